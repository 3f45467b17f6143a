import { createRequire } from "node:module";
import {
  CompiledQuery,
  createQueryId,
  PostgresAdapter,
  PostgresQueryCompiler,
  type Dialect,
  type PostgresDialect,
  type Kysely,
  type RawBuilder,
  type RootOperationNode,
  sql,
} from "kysely";
import pg from "pg";

/**
 * Several statements of one transaction in one round trip — private to `src/db/` (the
 * update transaction in `update-prefetch.ts` is its only user; a test checks that nothing
 * outside `src/db/` imports this module).
 *
 * PostgreSQL's simple-query protocol takes several statements in one message, but no bind
 * parameters. So the statements of a batch are compiled by Kysely's own query compiler (every
 * plugin applied, e.g. the app clock), with one change: where the compiler would append a
 * placeholder (`$1`) for a value, {@link InliningCompiler} appends the value as an SQL
 * literal. A literal is exactly what a bind parameter would have been: the value is first
 * converted the way node-postgres converts parameters (`prepareValue`: arrays become
 * PostgreSQL array literals, objects JSON, dates timestamps), then quoted as an untyped string
 * literal, so PostgreSQL infers its type from the context as it does for a parameter. Nothing
 * is ever substituted into SQL text after compilation.
 *
 * Each statement of a batch still gets its own snapshot (READ COMMITTED takes one per
 * statement), so a lock taken by one statement is held before the next one reads.
 *
 * The log never sees an inlined value: a batch is logged as its statements compiled the
 * ordinary way, with placeholders ({@link loggableSql}).
 *
 * Two functions use it: {@link sendTogether} (statements whose result only the last one
 * carries, e.g. BEGIN, the chat lock, and the first read) and {@link commitWith} (the writes
 * queued in a {@link DeferredWrites}, then COMMIT). On PGlite (in-process, no network) the
 * statements simply run one after another, with bind parameters.
 */

const require = createRequire(import.meta.url);
const { prepareValue } = require("pg/lib/utils.js") as { prepareValue: (value: unknown) => unknown };

/** A statement of a batch: a Kysely query builder or an `sql` template. */
export interface Statement<R = unknown> {
  toOperationNode(): RootOperationNode;
  /** Only for the row type. */
  readonly __rows?: R;
}

type Rows<S> = S extends RawBuilder<infer R> ? R : S extends { compile(): CompiledQuery<infer R> } ? R : unknown;

/** A connection inside a transaction, and whether its server takes several statements per message. */
export interface BatchConnection {
  db: Kysely<any>;
  multiStatement: boolean;
}

/** A string as a PostgreSQL string literal (valid with or without standard_conforming_strings). */
function quote(s: string): string {
  if (s.includes("\\")) return `E'${s.replace(/[\\']/g, "$&$&")}'`;
  return `'${s.replaceAll("'", "''")}'`;
}

/** The literal a bind parameter holding `value` stands for. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`cannot send ${value} to PostgreSQL`);
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return "null";
  if (prepared instanceof Uint8Array) return quote(`\\x${Buffer.from(prepared).toString("hex")}`);
  return quote(String(prepared));
}

/** Kysely's PostgreSQL compiler, appending values as literals instead of placeholders. */
class InliningCompiler extends PostgresQueryCompiler {
  protected override appendValue(value: unknown): void {
    this.append(sqlLiteral(value));
  }
}

/** What the log may show of an inlined batch: the statements with placeholders. */
const LOG_TEXT = new WeakMap<CompiledQuery, () => string>();

/** SQL for a log line: an inlined batch as its statements with placeholders (no values). */
export function loggableSql(query: CompiledQuery): string {
  return LOG_TEXT.get(query)?.() ?? query.sql;
}

function transformed(db: Kysely<any>, statement: Statement): { node: RootOperationNode; queryId: ReturnType<typeof createQueryId> } {
  const queryId = createQueryId();
  return { node: db.getExecutor().transformQuery(statement.toOperationNode(), queryId), queryId };
}

async function runOneByOne(c: BatchConnection, statements: Statement[]): Promise<unknown[]> {
  let rows: unknown[] = [];
  for (const s of statements) {
    const { node, queryId } = transformed(c.db, s);
    rows = (await c.db.executeQuery(c.db.getExecutor().compileQuery(node, queryId))).rows;
  }
  return rows;
}

async function runAsOneMessage(c: BatchConnection, statements: Statement[]): Promise<unknown[]> {
  const parts = statements.map((s) => transformed(c.db, s));
  const text = parts.map(({ node, queryId }) => new InliningCompiler().compileQuery(node, queryId).sql).join(";\n");
  const query = CompiledQuery.raw(text);
  LOG_TEXT.set(query, () => parts.map(({ node, queryId }) => c.db.getExecutor().compileQuery(node, queryId).sql).join(";\n"));
  // The pool resolves a message of several statements to the result of the last one.
  return (await c.db.executeQuery(query)).rows;
}

/**
 * Runs `before` and then `last`, in order, in one round trip (PostgreSQL), and returns the
 * rows of `last`.
 */
export async function sendTogether<S extends Statement>(c: BatchConnection, before: Statement[], last: S): Promise<Rows<S>[]> {
  const statements = [...before, last];
  return (c.multiStatement ? runAsOneMessage(c, statements) : runOneByOne(c, statements)) as Promise<Rows<S>[]>;
}

/**
 * Writes that nothing later in the transaction reads (the conversation state, written last
 * in an update), held back to travel with COMMIT. Made by the transaction that commits them
 * and handed explicitly to whoever queues a write.
 */
export class DeferredWrites {
  readonly #queued: Statement[] = [];

  add(statement: Statement): void {
    this.#queued.push(statement);
  }

  get size(): number {
    return this.#queued.length;
  }

  /** Takes the queued writes (the queue is empty afterwards). */
  take(): Statement[] {
    return this.#queued.splice(0);
  }
}

/**
 * Sends the deferred writes and COMMIT in one round trip. A statement always precedes COMMIT:
 * in a transaction that an earlier failed statement left aborted, PostgreSQL answers COMMIT
 * with a silent ROLLBACK, but any other statement fails — so the update fails as it must,
 * instead of looking saved.
 */
export async function commitWith(c: BatchConnection, deferred: DeferredWrites): Promise<void> {
  const writes = deferred.take();
  await sendTogether(c, writes.length > 0 ? writes : [sql.raw("select 1")], sql.raw("commit"));
}

/**
 * A pg pool as Kysely's PostgresDialect sees it, where a message of several statements
 * resolves to the result of the last one (node-postgres returns an array of results), where
 * every message sent is counted (`onRoundTrip`, for the benchmark), and where a connection
 * that breaks while in use cannot crash the process.
 */
export function lastResultPool(pool: pg.Pool, opts: { onConnectionError?: (err: Error) => void; onRoundTrip?: () => void } = {}): pg.Pool {
  const patched = new WeakSet<pg.PoolClient>();
  const patch = (client: pg.PoolClient): pg.PoolClient => {
    if (patched.has(client)) return client;
    patched.add(client);
    // A connection that breaks while checked out emits "error"; unhandled, that would crash
    // the process. The next query on it fails and the pool discards it on release.
    client.on("error", (err) => opts.onConnectionError?.(err));
    const original = client.query as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = function (this: pg.PoolClient, ...args: unknown[]) {
      opts.onRoundTrip?.();
      const result = original.apply(this, args);
      if (typeof args[0] === "string" && result instanceof Promise) {
        return result.then((r: unknown) => (Array.isArray(r) ? r[r.length - 1] : r));
      }
      return result;
    };
    return client;
  };
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "connect") {
        return async () => patch(await target.connect());
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The adapter of a dialect whose server takes several statements per message (PostgreSQL). */
class MultiStatementAdapter extends PostgresAdapter {
  readonly multipleStatementsPerMessage = true;
}

/** The PostgreSQL dialect, marked as taking several statements per message (not PGlite). */
export function multiStatementDialect(inner: PostgresDialect): Dialect {
  return {
    createAdapter: () => new MultiStatementAdapter(),
    createDriver: () => inner.createDriver(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}

/** True when `db` (or any Kysely derived from it, e.g. with a plugin) may batch statements. */
export function multiStatementAllowed(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MultiStatementAdapter;
}
