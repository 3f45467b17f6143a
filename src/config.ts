import { z } from "zod";
import { DEFAULT_DTSEN_WINDOWS, parseDtsenWindows } from "./domain/dtsen.js";

/** Locales the bot speaks. Indonesian is the default. */
export const LOCALES = ["id", "en"] as const;
export type Locale = (typeof LOCALES)[number];

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());

const intFromEnv = (def: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `expects a whole number from ${min} to ${max}` })
      .int({ error: `expects a whole number from ${min} to ${max}` })
      .min(min, { error: `expects a whole number from ${min} to ${max}` })
      .max(max, { error: `expects a whole number from ${min} to ${max}` })
      .default(def),
  );

const adminIds = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return [] as number[];
      const parts = value.split(",").map((p) => p.trim()).filter((p) => p !== "");
      const ids: number[] = [];
      for (const part of parts) {
        if (!/^\d{1,16}$/.test(part) || !Number.isSafeInteger(Number(part)) || Number(part) <= 0) {
          ctx.addIssue({
            code: "custom",
            message: `expects comma-separated numeric Telegram user ids (e.g. 123456789,987654321); "${part}" is not one`,
          });
          return z.NEVER;
        }
        ids.push(Number(part));
      }
      return ids;
    }),
);

const postgresUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .refine(
      (v) => {
        if (v === undefined) return true;
        try {
          const url = new URL(v);
          return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "" || url.searchParams.has("host");
        } catch {
          return false;
        }
      },
      { error: "expects a PostgreSQL connection URL such as postgres://user:password@host:5432/dbname" },
    ),
);

const httpUrl = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .refine(
        (v) => {
          if (v === undefined) return true;
          try {
            const url = new URL(v);
            return url.protocol === "https:" || url.protocol === "http:";
          } catch {
            return false;
          }
        },
        { error: `expects ${what}` },
      ),
  );

const configSchema = z
  .object({
    BOT_TOKEN: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, { error: "expects the token from @BotFather, like 123456789:AAH…" })
        .optional(),
    ),
    BOT_MODE: z.preprocess(
      emptyToUndefined,
      z.enum(["polling", "webhook"], { error: 'expects "polling" or "webhook"' }).default("polling"),
    ),
    TELEGRAM_API_ROOT: z.preprocess(
      emptyToUndefined,
      httpUrl("an http(s) URL of a Bot API server, e.g. https://api.telegram.org").default("https://api.telegram.org"),
    ),
    DATABASE_URL: postgresUrl,
    PGLITE_DIR: z.preprocess(emptyToUndefined, z.string().default("./data/pglite")),
    ADMIN_TELEGRAM_IDS: adminIds,
    DEFAULT_LOCALE: z.preprocess(
      emptyToUndefined,
      z.enum(LOCALES, { error: 'expects "id" or "en"' }).default("id"),
    ),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
          error: "expects one of fatal, error, warn, info, debug, trace, silent",
        })
        .default("info"),
    ),
    PII_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, { error: "expects 64 hexadecimal characters (32 random bytes), e.g. from `openssl rand -hex 32`" })
        .optional(),
    ),
    PII_KEY_FILE: z.preprocess(emptyToUndefined, z.string().default("./data/pii.key")),
    PORT: intFromEnv(8080, 1, 65535),
    WEBHOOK_URL: httpUrl("the public https URL Telegram should post updates to"),
    WEBHOOK_SECRET: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{16,256}$/, { error: "expects 16–256 characters of A–Z, a–z, 0–9, _ or -" })
        .optional(),
    ),
    ALERT_ESCALATE_MINUTES: intFromEnv(60, 1, 10_080),
    OVERDUE_DAYS: intFromEnv(14, 1, 365),
    BROADCAST_RATE: intFromEnv(25, 1, 30),
    /**
     * How long a broadcast message being sent stays reserved for its process: after a crash
     * (kill -9) another process, or the restarted one, sends it again once this has passed.
     */
    BROADCAST_LEASE_SECONDS: intFromEnv(90, 3, 3600),
    /** Exported files larger than this are split into numbered parts (Telegram bots may upload 50 MB). */
    EXPORT_SPLIT_BYTES: intFromEnv(48_000_000, 10_000, 50_000_000),
    DRAFT_EXPIRY_DAYS: intFromEnv(7, 1, 90),
    /** DTSEN update calendar: months (or month ranges) when proposals are taken; reminders go out two weeks before each closes. */
    DTSEN_WINDOWS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default(DEFAULT_DTSEN_WINDOWS)
        .transform((v, ctx) => {
          const parsed = parseDtsenWindows(v);
          if (parsed.ok) return parsed.value;
          ctx.addIssue({ code: "custom", message: parsed.error });
          return z.NEVER;
        }),
    ),
    /** A visit report farther than this (metres) from the household's point asks the volunteer, and is listed for review. */
    VISIT_DISTANCE_WARN_M: intFromEnv(500, 20, 100_000),
    /** Cek Aman: minutes without an answer before a household is re-sent to its volunteer (twice that: offered to the village). */
    CEKAMAN_REMIND_MINUTES: intFromEnv(60, 1, 1440),
    /** Acknowledged broadcasts: hours before those who did not confirm are reminded once. */
    BROADCAST_ACK_HOURS: intFromEnv(24, 1, 720),
    /** Public https URL of the coordinator dashboard (the Mini App, served under /app/ by this process). */
    WEB_APP_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .optional()
        .refine(
          (v) => {
            if (v === undefined) return true;
            try {
              return new URL(v).protocol === "https:";
            } catch {
              return false;
            }
          },
          { error: "expects the public https URL of the dashboard, e.g. https://bot.example.org/app/ (Telegram opens Mini Apps only over https)" },
        ),
    ),
    /** Map tiles of the dashboard's map: an XYZ URL template. */
    MAP_TILE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => /^https?:\/\/[^\s]+$/.test(v) && v.includes("{z}") && v.includes("{x}") && v.includes("{y}"), {
          error: "expects an http(s) tile URL template with {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        })
        .default("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    ),
    /** Attribution shown on the map for MAP_TILE_URL (required by OpenStreetMap's licence). */
    MAP_TILE_ATTRIBUTION: z.preprocess(emptyToUndefined, z.string().max(300).default("© OpenStreetMap contributors")),
    /** Monthly visits per volunteer when no target was set (/target). */
    DEFAULT_MONTHLY_VISIT_TARGET: intFromEnv(20, 0, 1000),
  })
  .superRefine((c, ctx) => {
    if (c.BOT_MODE === "webhook") {
      if (!c.BOT_TOKEN) ctx.addIssue({ code: "custom", path: ["BOT_TOKEN"], message: "is required when BOT_MODE=webhook" });
      if (!c.WEBHOOK_SECRET) {
        ctx.addIssue({ code: "custom", path: ["WEBHOOK_SECRET"], message: "is required when BOT_MODE=webhook" });
      }
    }
    if (c.BOT_TOKEN && c.DATABASE_URL && !c.PII_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["PII_KEY"],
        message: "is required in production (BOT_TOKEN with DATABASE_URL): 64 hex characters, e.g. from `openssl rand -hex 32`",
      });
    }
  });

export type Config = z.output<typeof configSchema>;

/** Thrown by {@link parseConfig}; its message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates the environment. Pure: reads only the given object.
 * Throws a {@link ConfigError} whose message lists each bad variable and what it expects.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? String(issue.path[0]) : "configuration";
    return `  - ${name} ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}
