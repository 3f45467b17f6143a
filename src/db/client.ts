import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Kysely, PostgresDialect, type LogEvent } from "kysely";
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
import type { Logger } from "../logger.js";
import { lastResultPool, loggableSql, multiStatementDialect } from "./batching.js";
import type { Database } from "./schema.js";

export type DbKind = "pg" | "pglite";

export interface DbHandle {
  db: Kysely<Database>;
  kind: DbKind;
  /** The embedded instance, when kind is "pglite". */
  pglite?: PGlite;
  /** Closes the pool (or checkpoints and closes PGlite) and releases the PGlite directory lock. */
  close(): Promise<void>;
}

/** Thrown when another process already holds the embedded database. */
export class DatabaseLockedError extends Error {
  override name = "DatabaseLockedError";
}

/** int8 as a JS number, the same on pg and PGlite. Telegram ids fit in 52 bits. */
export function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value out of the safe integer range: ${value}`);
  return n;
}

/** `date` columns stay ISO strings ("2026-11-28"): a calendar date has no time zone. */
const keepDate = (value: string) => value;

/**
 * A database error without the values it may quote: PostgreSQL's message and detail can hold
 * them ("invalid input syntax…: \"Siti\"", "Key (nik_hash)=(…) already exists"), and PGlite
 * attaches the query's parameters. What stays names the problem: the SQLSTATE code and the
 * constraint, table and column involved.
 */
function queryError(err: unknown): Record<string, unknown> {
  const e = err as { code?: unknown; message?: unknown; constraint?: unknown; table?: unknown; column?: unknown; routine?: unknown };
  if (typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
    return { code: e.code, constraint: e.constraint, table: e.table, column: e.column, routine: e.routine };
  }
  return { message: typeof e?.message === "string" ? e.message.slice(0, 200) : String(err) };
}

function kyselyLog(logger: Logger | undefined) {
  if (!logger) return undefined;
  return (event: LogEvent) => {
    if (event.level === "error") {
      // The SQL text has no values (they are bound parameters; a batch is logged as its
      // statements with placeholders), and the error is logged without the values it quotes.
      logger.warn({ sql: loggableSql(event.query).slice(0, 300), ms: event.queryDurationMillis, err: queryError(event.error) }, "query failed");
    } else if (logger.isLevelEnabled("trace")) {
      logger.trace({ sql: loggableSql(event.query).slice(0, 300), ms: event.queryDurationMillis }, "query");
    }
  };
}

export interface PgOptions {
  url: string;
  logger?: Logger;
  max?: number;
  /** Search path (tests use one schema per file). */
  schema?: string;
  /** Called for every message sent to the database (the benchmark counts round trips). */
  onRoundTrip?: () => void;
  /** Several statements per message for the update transaction (default true; the benchmark measures without). */
  multiStatement?: boolean;
}

export function createPgDb(opts: PgOptions): DbHandle {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    // Fail fast when the database is down: the user is told at once, and each new update
    // tries again (the pool reconnects on demand, no restart needed). A request waiting for a
    // free connection gives up after the same time.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Notice a dead server or a cut network on idle connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // A process that hangs in the middle of an update must not hold its chat's lock forever:
    // the server ends a transaction left idle this long (no update legitimately idles 2 min).
    idle_in_transaction_session_timeout: 120_000,
    application_name: "pendamping",
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === pg.types.builtins.INT8
          ? parseInt8
          : oid === pg.types.builtins.DATE
            ? keepDate
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the pool reconnects on demand.
  pool.on("error", (err) => opts.logger?.warn({ err: { message: err.message } }, "idle database connection lost"));
  // The update transaction sends several statements per message (src/db/batching.ts).
  const pgDialect = new PostgresDialect({
    pool: lastResultPool(pool, {
      onConnectionError: (err) => opts.logger?.warn({ err: { message: err.message } }, "database connection lost while in use"),
      onRoundTrip: opts.onRoundTrip,
    }),
  });
  const dialect = opts.multiStatement === false ? pgDialect : multiStatementDialect(pgDialect);
  const db = new Kysely<Database>({ dialect, log: kyselyLog(opts.logger) });
  return { db, kind: "pg", close: () => db.destroy() };
}

/**
 * Takes an exclusive lock file beside the PGlite directory: PGlite serves one process.
 * A lock left by a dead process is taken over.
 */
function lockPgliteDir(dir: string): () => void {
  const lockPath = `${resolve(dir)}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(lockPath, "utf8").trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === "EPERM";
        }
      }
      if (alive) {
        throw new DatabaseLockedError(
          `The embedded database in ${resolve(dir)} is in use by another Pendamping process (pid ${pid}). ` +
            "PGlite serves one process only: stop the other one, or set DATABASE_URL to use PostgreSQL.",
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseLockedError(`Could not lock ${lockPath}`);
}

export interface PgliteOptions {
  /** Data directory; undefined = in memory. */
  dir?: string;
  logger?: Logger;
  /** A data-dir snapshot to start from (tests). */
  loadDataDir?: Blob | File;
}

export async function createPgliteDb(opts: PgliteOptions): Promise<DbHandle> {
  const unlock = opts.dir ? lockPgliteDir(opts.dir) : () => undefined;
  try {
    if (opts.dir) mkdirSync(resolve(opts.dir), { recursive: true });
    // Loaded only when used: the embedded database adds about 80 MB to a process's memory,
    // which a production process on PostgreSQL should not pay.
    const { PGlite } = await import("@electric-sql/pglite");
    const { PGliteDialect } = await import("kysely-pglite-dialect");
    // Trigram similarity (village search that forgives typos); PostgreSQL ships it as contrib.
    const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
    const pglite = await PGlite.create({
      ...(opts.dir ? { dataDir: resolve(opts.dir) } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      extensions: { pg_trgm },
      // PGlite parses int8 to a JS number already; keep it explicit so both drivers agree.
      parsers: { 20: (v: string) => parseInt8(v), 1082: keepDate },
    });
    const dialect = new PGliteDialect(pglite);
    const db = new Kysely<Database>({ dialect, log: kyselyLog(opts.logger) });
    let closed = false;
    return {
      db,
      kind: "pglite",
      pglite,
      async close() {
        if (closed) return;
        closed = true;
        try {
          if (opts.dir && !pglite.closed) await pglite.query("CHECKPOINT");
        } finally {
          await db.destroy();
          if (!pglite.closed) await pglite.close();
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** PostgreSQL when a URL is given, otherwise the embedded PGlite in `pgliteDir`. */
export async function createDb(opts: { databaseUrl?: string; pgliteDir?: string; logger?: Logger }): Promise<DbHandle> {
  if (opts.databaseUrl) return createPgDb({ url: opts.databaseUrl, logger: opts.logger });
  return createPgliteDb({ dir: opts.pgliteDir, logger: opts.logger });
}
