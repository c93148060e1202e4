// The event-type catalogue.
import type { EventType } from "../../domain/model.js";
import { conflict } from "../../lib/errors.js";
import type { EventTypeStore, Page, PageQuery } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient } from "./client.js";
import { fromFlag, fromJson, toFlag, toJson } from "./json.js";
import { fetchPage } from "./paging.js";

const COLUMNS = "name, description, schemas, archived, deprecated, feature_flag, created_at, updated_at";

function toEventType(row: Row): EventType {
  return {
    name: String(row.name),
    description: String(row.description),
    schemas: fromJson(row.schemas, null),
    archived: fromFlag(row.archived),
    deprecated: fromFlag(row.deprecated),
    featureFlag: row.feature_flag === null ? null : String(row.feature_flag),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class SqlEventTypeStore implements EventTypeStore {
  constructor(private readonly db: SqlClient) {}

  async create(e: EventType): Promise<void> {
    try {
      await this.db.execute(`INSERT INTO event_types (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        e.name,
        e.description,
        toJson(e.schemas),
        toFlag(e.archived),
        toFlag(e.deprecated),
        e.featureFlag,
        e.createdAt,
        e.updatedAt,
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Event type "${e.name}" already exists`);
      throw error;
    }
  }

  async get(name: string): Promise<EventType | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM event_types WHERE name = ?`, [name]);
    return rows[0] ? toEventType(rows[0]) : null;
  }

  list(query: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    return fetchPage(
      this.db,
      {
        select: `SELECT ${COLUMNS} FROM event_types`,
        where: query.includeArchived ? [] : ["archived = 0"],
        params: [],
        cursorColumn: "name",
        cursorField: "name",
      },
      query,
      "ascending",
      toEventType,
    );
  }

  async update(e: EventType): Promise<void> {
    await this.db.execute(
      "UPDATE event_types SET description = ?, schemas = ?, archived = ?, deprecated = ?, feature_flag = ?, updated_at = ? WHERE name = ?",
      [e.description, toJson(e.schemas), toFlag(e.archived), toFlag(e.deprecated), e.featureFlag, e.updatedAt, e.name],
    );
  }

  async delete(name: string): Promise<void> {
    await this.db.execute("DELETE FROM event_types WHERE name = ?", [name]);
  }
}
