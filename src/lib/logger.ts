// Structured JSON logging (pino). One root logger per process; modules take a child.
import { pino, type Logger } from "pino";

export type { Logger };

/**
 * `pretty` hands lines to pino-pretty in a worker thread; it is loaded only when asked, so
 * JSON logging (the default, for log shippers) pays nothing for it.
 */
export function createLogger(level: string, format: "json" | "pretty" = "json"): Logger {
  const options = { level, base: { service: "hooklane" } };
  if (format === "pretty") {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } },
    });
  }
  return pino(options);
}

export const silentLogger: Logger = pino({ level: "silent" });
