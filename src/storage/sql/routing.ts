// What a publish reads before it stores: the application it names and the endpoints it may go
// to. Where this process is the database's only writer (SQLite) both come from the stores'
// caches; on PostgreSQL, where every publish reads them afresh, one statement reads both.
import type { Application, Endpoint } from "../../domain/model.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import type { RoutingStore } from "../contract.js";
import { APPLICATION_COLUMNS, likelierColumns, toApplication, type SqlApplicationStore } from "./applications.js";
import { aliased, type SqlClient } from "./client.js";
import { ENDPOINT_COLUMNS, toEndpoint, type SqlEndpointStore } from "./endpoints.js";

const JOINED = `SELECT ${aliased(APPLICATION_COLUMNS, "a")}, ${aliased(ENDPOINT_COLUMNS, "e")}
  FROM applications a LEFT JOIN endpoints e ON e.app_id = a.id`;

export class SqlRoutingStore implements RoutingStore {
  constructor(
    private readonly db: SqlClient,
    private readonly cipher: SecretCipher,
    private readonly applications: SqlApplicationStore,
    private readonly endpoints: SqlEndpointStore,
    /** Both stores cache what routing reads (see sqlStorage): read through them. */
    private readonly cached: boolean,
  ) {}

  async load(appIdOrUid: string): Promise<{ app: Application; endpoints: Endpoint[] } | null> {
    if (this.cached) {
      const app = await this.applications.get(appIdOrUid);
      return app ? { app, endpoints: await this.endpoints.listForRouting(app.id) } : null;
    }
    // The likelier column first; the other only for a uid that looks like an id, or the reverse.
    for (const column of likelierColumns(appIdOrUid)) {
      const rows = await this.db.query(`${JOINED} WHERE a.${column} = ? ORDER BY e.id`, [appIdOrUid]);
      if (rows.length === 0) continue;
      return {
        app: toApplication(rows[0]!, "a_"),
        endpoints: rows.filter((row) => row.e_id != null).map((row) => toEndpoint(row, this.cipher, "e_")),
      };
    }
    return null;
  }
}
