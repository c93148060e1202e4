// What every conformance case gets: the storage under test, a second handle on the same
// database, and `conformance()`, which skips a case for one dialect only with a written reason.
import { it } from "vitest";
import type { Storage } from "../../../src/storage/contract.js";
import type { Dialect } from "../adapters.js";

export interface CaseContext {
  readonly dialect: Dialect;
  storage(): Storage;
  another(): Promise<Storage>;
}

export type SkipReasons = Partial<Record<Dialect, string>>;

export function conformance(t: CaseContext, name: string, body: () => Promise<void>, skip: SkipReasons = {}): void {
  const reason = skip[t.dialect];
  if (reason) it.skip(`${name} [skipped on ${t.dialect}: ${reason}]`, body);
  else it(name, body);
}

/** The error's kind when it is a HooklaneError, for asserting conflicts without matching text. */
export async function errorKind(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { kind?: string }).kind ?? `not a HooklaneError: ${String(error)}`;
  }
  return "no error";
}
