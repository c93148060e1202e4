// Background tasks (replays): a row per task, leased by the instance working on it so that
// another instance carries it on from its cursor if that one dies.
import type { BackgroundTask, ReplaySelection, TaskKind, TaskStatus } from "../../domain/model.js";
import type { Page, PageQuery, TaskStore } from "../contract.js";
import type { Row, SqlClient } from "./client.js";
import { fetchPage } from "./paging.js";

const TASK_COLUMNS =
  "id, app_id, endpoint_id, task, status, params, total, done, cursor, error, lease_owner, lease_until, created_at, updated_at";

interface StoredParams {
  selection: ReplaySelection;
  ratePerSecond: number;
}

function toTask(row: Row): BackgroundTask {
  const params = JSON.parse(String(row.params)) as StoredParams;
  return {
    id: String(row.id),
    appId: String(row.app_id),
    endpointId: row.endpoint_id == null ? null : String(row.endpoint_id),
    kind: String(row.task) as TaskKind,
    status: String(row.status) as TaskStatus,
    selection: params.selection,
    ratePerSecond: params.ratePerSecond,
    total: Number(row.total),
    done: Number(row.done),
    cursor: row.cursor == null ? null : String(row.cursor),
    error: row.error == null ? null : String(row.error),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class SqlTaskStore implements TaskStore {
  constructor(private readonly db: SqlClient) {}

  async create(t: BackgroundTask): Promise<void> {
    const params: StoredParams = { selection: t.selection, ratePerSecond: t.ratePerSecond };
    await this.db.execute(
      `INSERT INTO background_tasks (${TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
      [
        t.id,
        t.appId,
        t.endpointId,
        t.kind,
        t.status,
        JSON.stringify(params),
        t.total,
        t.done,
        t.cursor,
        t.error,
        t.createdAt,
        t.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<BackgroundTask | null> {
    const rows = await this.db.query(`SELECT ${TASK_COLUMNS} FROM background_tasks WHERE id = ?`, [id]);
    return rows[0] ? toTask(rows[0]) : null;
  }

  list(appId: string | null, query: PageQuery): Promise<Page<BackgroundTask>> {
    return fetchPage(
      this.db,
      {
        select: `SELECT ${TASK_COLUMNS} FROM background_tasks`,
        where: appId === null ? [] : ["app_id = ?"],
        params: appId === null ? [] : [appId],
        cursorColumn: "id",
        cursorField: "id",
      },
      query,
      "descending",
      toTask,
    );
  }

  claim(owner: string, nowMs: number, leaseMs: number): Promise<BackgroundTask | null> {
    return this.db.transaction(async (tx) => {
      const lock = this.db.dialect === "postgres" ? "FOR UPDATE SKIP LOCKED" : "";
      const [row] = await tx.query(
        `SELECT ${TASK_COLUMNS} FROM background_tasks
         WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?)
         ORDER BY id LIMIT 1 ${lock}`,
        [nowMs],
      );
      if (!row) return null;
      await tx.execute("UPDATE background_tasks SET lease_owner = ?, lease_until = ? WHERE id = ?", [
        owner,
        nowMs + leaseMs,
        String(row.id),
      ]);
      return toTask(row);
    });
  }

  async progress(t: BackgroundTask, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE background_tasks SET done = ?, cursor = ?, lease_until = ?, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [t.done, t.cursor, nowMs + leaseMs, nowMs, t.id, owner],
    );
    return changed === 1;
  }

  async finish(
    t: BackgroundTask,
    owner: string,
    status: TaskStatus,
    error: string | null,
    nowMs: number,
  ): Promise<void> {
    await this.db.execute(
      `UPDATE background_tasks SET status = ?, error = ?, done = ?, cursor = ?, lease_owner = NULL, lease_until = NULL,
         updated_at = ?
       WHERE id = ? AND lease_owner = ?`,
      [status, error, t.done, t.cursor, nowMs, t.id, owner],
    );
  }
}
