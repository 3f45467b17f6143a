import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/**
 * Fields that may carry personal data. pino replaces them with "[redacted]" wherever they
 * appear (two levels deep), as a safety net: code must not log them in the first place.
 */
const REDACT_PATHS = [
  "nik", "kk", "phone", "phone_number", "text", "caption", "name", "first_name", "last_name", "username",
  "*.nik", "*.kk", "*.phone", "*.phone_number", "*.text", "*.caption", "*.name", "*.first_name", "*.last_name",
  "*.username", "payload", "*.payload",
];

/** Creates the application logger. No module-level singleton: main and tests create their own. */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
