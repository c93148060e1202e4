// Output for client commands: JSON for scripts (`--json`, exactly what the API returned),
// aligned tables and key/value blocks for people.

export interface OutputFlags {
  json?: boolean;
}

export type Column<T> = [header: string, value: (row: T) => unknown];

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map(([, value]) => cell(value(row))));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map(([h]) => h.toUpperCase())), ...cells.map(line)].join("\n") + "\n";
}

export function details(record: Record<string, unknown>): string {
  const width = Math.max(0, ...Object.keys(record).map((k) => k.length));
  return (
    Object.entries(record)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(
        ([k, v]) =>
          `${(k + ":").padEnd(width + 1)} ${typeof v === "object" && v !== null && !Array.isArray(v) ? JSON.stringify(v) : cell(v)}`,
      )
      .join("\n") + "\n"
  );
}

/** Prints `value` as JSON when asked, else what `human` renders. */
export function print(flags: OutputFlags, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? JSON.stringify(value, null, 2) + "\n" : human());
}

/** For lists: the table, then a hint when more pages exist. */
export function printList<T>(
  flags: OutputFlags,
  page: { data: T[]; iterator: string | null; done: boolean },
  columns: readonly Column<T>[],
): void {
  print(flags, page, () => {
    if (page.data.length === 0) return "(none)\n";
    const more = page.done ? "" : `… more: --iterator ${page.iterator} (or --all)\n`;
    return table(page.data, columns) + more;
  });
}
