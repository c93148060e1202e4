// What a publish reads before it stores: the application it names and the endpoints it may go
// to. Where this process is the database's only writer (SQLite) both come from the stores'
// caches, which its own writes keep exact. On PostgreSQL other instances write too: a copy read
// once is kept with a digest of the rows it came from, and the publish's INSERT stores only if
// the rows still hash to it (routingUnchanged), so a copy that another instance's write
// outdated costs one refused INSERT and a fresh read, never a message routed by stale rows.
import type { Application, Endpoint } from "../../domain/model.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import type { Routing, RoutingStore } from "../contract.js";
import { APPLICATION_COLUMNS, likelierColumns, toApplication, type SqlApplicationStore } from "./applications.js";
import { aliased, qualified, type SqlClient } from "./client.js";
import { ENDPOINT_COLUMNS, toEndpoint, type SqlEndpointStore } from "./endpoints.js";

/** Applications whose routing a PostgreSQL process keeps (a full map starts over). */
const KEPT_LIMIT = 10000;

const rowText = (alias: string, columns: string): string => `ROW(${qualified(columns, alias)})::text`;

/**
 * PostgreSQL: a digest of everything routing reads for the application row `alias`: its
 * columns and its endpoints' (ordered by id). Computed from values, so writes that leave them
 * as they were (a rate limiter's next slot, which routing does not read) keep a copy valid.
 */
const routingDigest = (alias: string): string =>
  `encode(sha256(convert_to(${rowText(alias, APPLICATION_COLUMNS)} || COALESCE(
     (SELECT string_agg(${rowText("e", ENDPOINT_COLUMNS)}, ',' ORDER BY e.id) FROM endpoints e WHERE e.app_id = ${alias}.id),
     ''), 'UTF8')), 'hex')`;

/** True while the application with id `appId` (an SQL expression) and its endpoints still hash to `guard`. */
export const routingMatches = (appId: string, guard: string): string =>
  `(SELECT ${routingDigest("a")} FROM applications a WHERE a.id = ${appId}) = ${guard}`;

/** routingMatches for parameters: the app id first, then the guard. */
export const routingUnchanged = routingMatches("?", "?");

/** The app, its digest and its endpoints, from one snapshot (one statement). */
const joinedWithDigest = (column: "id" | "uid"): string =>
  `WITH a AS (SELECT ${APPLICATION_COLUMNS} FROM applications WHERE ${column} = ?),
        d AS (SELECT ${routingDigest("a")} AS routing_digest FROM a)
   SELECT ${aliased(APPLICATION_COLUMNS, "a")}, ${aliased(ENDPOINT_COLUMNS, "e")}, d.routing_digest
   FROM a CROSS JOIN d LEFT JOIN endpoints e ON e.app_id = a.id ORDER BY e.id`;
const READ_BY = { id: joinedWithDigest("id"), uid: joinedWithDigest("uid") };

export class SqlRoutingStore implements RoutingStore {
  /** PostgreSQL: copies by the id or uid they were asked for, each with its guard. */
  private readonly kept = new Map<string, Routing>();

  constructor(
    private readonly db: SqlClient,
    private readonly cipher: SecretCipher,
    private readonly applications: SqlApplicationStore,
    private readonly endpoints: SqlEndpointStore,
    /** Both stores cache what routing reads (see sqlStorage): read through them. */
    private readonly cached: boolean,
  ) {}

  async load(appIdOrUid: string, options: { fresh?: boolean } = {}): Promise<Routing | null> {
    if (this.cached) {
      const app = await this.applications.get(appIdOrUid);
      return app ? { app, endpoints: await this.endpoints.listForRouting(app.id) } : null;
    }
    const kept = options.fresh ? undefined : this.kept.get(appIdOrUid);
    if (kept) return kept;
    const routing = await this.read(appIdOrUid);
    if (!routing) this.kept.delete(appIdOrUid);
    else {
      if (this.kept.size >= KEPT_LIMIT) this.kept.clear();
      this.kept.set(appIdOrUid, routing);
    }
    return routing;
  }

  private async read(appIdOrUid: string): Promise<Routing | null> {
    // The likelier column first; the other only for a uid that looks like an id, or the reverse.
    for (const column of likelierColumns(appIdOrUid)) {
      const rows = await this.db.query(READ_BY[column], [appIdOrUid]);
      if (rows.length === 0) continue;
      const app: Application = toApplication(rows[0]!, "a_");
      const endpoints: Endpoint[] = rows
        .filter((row) => row.e_id != null)
        .map((row) => toEndpoint(row, this.cipher, "e_"));
      return { app, endpoints, guard: String(rows[0]!.routing_digest) };
    }
    return null;
  }
}
