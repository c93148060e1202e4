// Structured JSON logging (pino). One root logger per process; modules take a child.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "hooklane" } });
}

export const silentLogger: Logger = pino({ level: "silent" });
