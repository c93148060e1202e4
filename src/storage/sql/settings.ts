// Values generated once per database (e.g. the default secret of direct sends).
import type { SettingStore } from "../contract.js";
import type { SqlClient } from "./client.js";

export class SqlSettingStore implements SettingStore {
  constructor(private readonly db: SqlClient) {}

  async getOrInit(key: string, initial: string, nowMs: number): Promise<string> {
    // Insert-if-absent then read: two instances starting at once both read the winner's value.
    await this.db.execute(
      "INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
      [key, initial, nowMs],
    );
    const rows = await this.db.query("SELECT value FROM settings WHERE key = ?", [key]);
    return String(rows[0]?.value);
  }
}
