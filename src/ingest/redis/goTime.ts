// Formats times as Go's time.Time.String() does in UTC ("2006-01-02 15:04:05.999999999 +0000
// UTC"), the form Sendhooks writes and sendhooks-monitoring parses.

export function formatGoTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  // ".999999999" in Go's layout: fractional seconds with trailing zeros (and a bare dot) dropped.
  const fraction = pad(d.getUTCMilliseconds(), 3).replace(/0+$/, "");
  return `${date} ${time}${fraction ? "." + fraction : ""} +0000 UTC`;
}
