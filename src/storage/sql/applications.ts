// Applications (tenants).
import type { Application } from "../../domain/model.js";
import { conflict } from "../../lib/errors.js";
import { ID_PREFIX } from "../../lib/ids.js";
import type { ApplicationStore, Page, PageQuery } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient, type SqlValue } from "./client.js";
import type { VersionedCache } from "../../lib/versionedCache.js";
import { fetchPage } from "./paging.js";
import { fromFlag, fromJson, toFlag } from "./json.js";

export const APPLICATION_COLUMNS = "id, uid, name, rate_limit, metadata, endpoint_verification, created_at, updated_at";

export function toApplication(row: Row, prefix = ""): Application {
  const col = (name: string): SqlValue | undefined => row[prefix + name];
  return {
    id: String(col("id")),
    uid: col("uid") == null ? null : String(col("uid")),
    name: String(col("name")),
    rateLimit: col("rate_limit") == null ? null : Number(col("rate_limit")),
    metadata: fromJson(col("metadata"), {}),
    endpointVerification: fromFlag(col("endpoint_verification")),
    createdAt: Number(col("created_at")),
    updatedAt: Number(col("updated_at")),
  };
}

/** The column to look an application up by first: ids carry the app_ prefix, uids usually not. */
export function likelierColumns(idOrUid: string): ["id", "uid"] | ["uid", "id"] {
  return idOrUid.startsWith(ID_PREFIX.application) ? ["id", "uid"] : ["uid", "id"];
}

function values(app: Application): (string | number | null)[] {
  return [
    app.id,
    app.uid,
    app.name,
    app.rateLimit,
    JSON.stringify(app.metadata),
    toFlag(app.endpointVerification),
    app.createdAt,
    app.updatedAt,
  ];
}

export class SqlApplicationStore implements ApplicationStore {
  constructor(
    private readonly db: SqlClient,
    /** Set when this process is the database's only writer (see sqlStorage). */
    private readonly cache?: VersionedCache<string, Application | null>,
    /** Deleting an application deletes its endpoints too (cascade): drop cached lists. */
    private readonly onDelete: () => void = () => undefined,
  ) {}

  async create(app: Application): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO applications (${APPLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        values(app),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An application with uid "${app.uid}" already exists`);
      throw error;
    } finally {
      // Keys are ids and uids, and a miss (null) is cached too: drop them all.
      this.cache?.clear();
    }
  }

  get(idOrUid: string): Promise<Application | null> {
    return this.cache ? this.cache.get(idOrUid, () => this.load(idOrUid)) : this.load(idOrUid);
  }

  private async load(idOrUid: string): Promise<Application | null> {
    // Try the likelier column first, the other only if needed.
    for (const column of likelierColumns(idOrUid)) {
      const rows = await this.db.query(`SELECT ${APPLICATION_COLUMNS} FROM applications WHERE ${column} = ?`, [
        idOrUid,
      ]);
      if (rows[0]) return toApplication(rows[0]);
    }
    return null;
  }

  list(query: PageQuery): Promise<Page<Application>> {
    return fetchPage(
      this.db,
      {
        select: `SELECT ${APPLICATION_COLUMNS} FROM applications`,
        where: [],
        params: [],
        cursorColumn: "id",
        cursorField: "id",
      },
      query,
      "ascending",
      (row) => toApplication(row),
    );
  }

  async update(app: Application): Promise<void> {
    try {
      await this.db.execute(
        "UPDATE applications SET uid = ?, name = ?, rate_limit = ?, metadata = ?, endpoint_verification = ?, updated_at = ? WHERE id = ?",
        [
          app.uid,
          app.name,
          app.rateLimit,
          JSON.stringify(app.metadata),
          toFlag(app.endpointVerification),
          app.updatedAt,
          app.id,
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An application with uid "${app.uid}" already exists`);
      throw error;
    } finally {
      this.cache?.clear();
    }
  }

  async delete(id: string): Promise<void> {
    // Messages, endpoints, deliveries and tokens go by cascade; attempts have no foreign key.
    await this.db.transaction(async (tx) => {
      await tx.execute("DELETE FROM attempts WHERE app_id = ?", [id]);
      await tx.execute("DELETE FROM applications WHERE id = ?", [id]);
    });
    this.cache?.clear();
    this.onDelete();
  }
}
