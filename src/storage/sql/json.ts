// JSON columns are text on both dialects; these keep the null handling in one place.

export function toJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T>(text: unknown, fallback: T): T {
  return typeof text === "string" ? (JSON.parse(text) as T) : fallback;
}

export const toFlag = (value: boolean): number => (value ? 1 : 0);
export const fromFlag = (value: unknown): boolean => Number(value) === 1;
