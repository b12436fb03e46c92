import pino, { type Logger } from "pino";

/** JSON lines on stdout; query text is never logged (it may hold user data). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "tierline" } });
}
