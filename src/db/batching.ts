import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import pg from "pg";

/**
 * Fewer database round trips per update, without giving up the transaction.
 *
 * Every update runs in one transaction (see `src/bot/middleware/update-tx.ts`). Done naively
 * that costs BEGIN, the chat lock, the dedup insert, loading the user, loading the
 * conversation, the handler's own queries, the conversation write and COMMIT: 7+ round trips,
 * each a network hop to PostgreSQL. This dialect wrapper removes the fixed ones:
 *
 * - **Lazy BEGIN.** `beginTransaction` sends nothing; BEGIN travels with the transaction's first
 *   statement when that statement has no bind parameters (PostgreSQL's simple-query protocol
 *   accepts several statements in one message, the extended protocol does not), otherwise it
 *   is sent on its own just before. A transaction that runs no statement costs nothing.
 * - **Batches.** {@link runBatch} sends several parameter-free statements as one message;
 *   each statement still gets its own snapshot (READ COMMITTED takes one per statement), so a
 *   lock taken by the first is held before the second reads.
 * - **Deferred writes.** {@link deferUntilCommit} queues a write that nothing later in the
 *   transaction reads (the conversation state, written last by the conversations plugin) and
 *   sends it in the same message as COMMIT. If it fails, COMMIT does not run and the
 *   transaction rolls back as a whole.
 *
 * Statements that travel in a batch have their values inlined as literals, escaped with
 * node-postgres's `escapeLiteral` (safe with or without standard_conforming_strings).
 * On PGlite (in-process, no network) batches and deferred writes simply run one by one.
 */

const BATCH_SEPARATOR = ";\n-- pendamping:next\n";
const DEFER_MARKER = "-- pendamping:defer-until-commit\n";

/**
 * SQL text for the log: inlined literals (which may hold what a user typed) are masked.
 * Ordinary queries carry their values as bind parameters and pass through unchanged.
 */
export function redactLiterals(sql: string): string {
  if (!sql.startsWith(DEFER_MARKER) && !sql.includes(BATCH_SEPARATOR)) return sql;
  return sql.replace(/E?'(?:[^']|'')*'/g, "'…'");
}

/** Turns a value into an SQL literal (for statements sent in the simple-query protocol). */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`cannot inline ${value}`);
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return `'${value.toISOString()}'`;
  return stringLiteral(typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * A string literal. Large values (the conversation state is tens of kilobytes) are
 * dollar-quoted — no character is special inside `$tag$…$tag$`, so nothing needs escaping and
 * no per-character loop runs; the tag is chosen so that it does not occur in the value.
 */
function stringLiteral(value: string): string {
  if (value.length < 256) return pg.escapeLiteral(value);
  let tag = "$pd$";
  // The closing tag must be the first occurrence of the tag after the opening one.
  for (let n = 0; (value + tag).indexOf(tag) !== value.length; n++) tag = `$pd${n}$`;
  return `${tag}${value}${tag}`;
}

/** Replaces `$1`, `$2` … in compiled SQL by the escaped values. */
export function inlineParameters(query: { sql: string; parameters: readonly unknown[] }): string {
  if (query.parameters.length === 0) return query.sql;
  return query.sql.replace(/\$(\d+)/g, (match, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= query.parameters.length) return match;
    return sqlLiteral(query.parameters[index]);
  });
}

/**
 * Runs parameter-free statements in order in one round trip (PostgreSQL) and returns the
 * rows of the last one. Build the statements only from trusted parts and {@link sqlLiteral}.
 */
export async function runBatch<R>(db: Kysely<any>, statements: string[]): Promise<R[]> {
  const result = await db.executeQuery<R>(CompiledQuery.raw(statements.join(BATCH_SEPARATOR)));
  return result.rows;
}

/**
 * Queues a write to run right before COMMIT, in the same round trip. Only for writes that
 * nothing later in the same transaction reads. Outside a transaction it runs at once.
 */
export async function deferUntilCommit(db: Kysely<any>, query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(DEFER_MARKER + inlineParameters(query.compile())));
}

export interface BatchingOptions {
  /** True when the server accepts several statements per message (PostgreSQL, not PGlite). */
  multiStatement: boolean;
  /** Called once per message sent to the database (benchmarks count round trips). */
  onRoundTrip?: (sql: string) => void;
}

class BatchingConnection implements DatabaseConnection {
  beginPending = false;
  inTransaction = false;
  deferred: string[] = [];

  constructor(
    readonly inner: DatabaseConnection,
    private readonly opts: BatchingOptions,
  ) {}

  send<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.opts.onRoundTrip?.(query.sql);
    return this.inner.executeQuery<R>(query);
  }

  /** Runs statements one per message and returns the last result (PGlite, or with parameters). */
  private async sendEach<R>(statements: string[]): Promise<QueryResult<R>> {
    let last: QueryResult<R> = { rows: [] };
    for (const s of statements) last = await this.send<R>(CompiledQuery.raw(s));
    return last;
  }

  async flushBegin(): Promise<void> {
    if (!this.beginPending) return;
    this.beginPending = false;
    await this.send(CompiledQuery.raw("begin"));
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    let text = query.sql;
    if (text.startsWith(DEFER_MARKER)) {
      if (this.inTransaction) {
        this.deferred.push(text.slice(DEFER_MARKER.length));
        return { rows: [] };
      }
      text = text.slice(DEFER_MARKER.length);
      query = CompiledQuery.raw(text, [...query.parameters]);
    }
    const batch = text.includes(BATCH_SEPARATOR) ? text.split(BATCH_SEPARATOR) : undefined;
    const parameterFree = query.parameters.length === 0;
    if (this.opts.multiStatement && parameterFree) {
      // One message: [begin;] statement[; statement…]. The pool returns the last result.
      const prefix = this.beginPending ? "begin;\n" : "";
      this.beginPending = false;
      return this.send<R>(CompiledQuery.raw(prefix + text));
    }
    await this.flushBegin();
    if (batch) {
      if (!parameterFree) throw new Error("runBatch statements must not have bind parameters");
      return this.sendEach<R>(batch);
    }
    return this.send<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    await this.flushBegin();
    this.opts.onRoundTrip?.(query.sql);
    yield* this.inner.streamQuery<R>(query, chunkSize);
  }
}

class BatchingDriver implements Driver {
  private readonly wrappers = new WeakMap<DatabaseConnection, BatchingConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly opts: BatchingOptions,
  ) {
    if (inner.savepoint) {
      this.savepoint = async (c, name, compile) => {
        const w = c as BatchingConnection;
        await w.flushBegin();
        await inner.savepoint!(w.inner, name, compile);
      };
      this.rollbackToSavepoint = (c, name, compile) => inner.rollbackToSavepoint!((c as BatchingConnection).inner, name, compile);
      this.releaseSavepoint = (c, name, compile) => inner.releaseSavepoint!((c as BatchingConnection).inner, name, compile);
    }
  }

  savepoint?: Driver["savepoint"];
  rollbackToSavepoint?: Driver["rollbackToSavepoint"];
  releaseSavepoint?: Driver["releaseSavepoint"];

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.wrappers.get(connection);
    if (!wrapper) {
      wrapper = new BatchingConnection(connection, this.opts);
      this.wrappers.set(connection, wrapper);
    }
    return wrapper;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as BatchingConnection;
    c.deferred = [];
    c.inTransaction = true;
    if (settings.isolationLevel || settings.accessMode) {
      await this.inner.beginTransaction(c.inner, settings);
      return;
    }
    c.beginPending = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as BatchingConnection;
    const deferred = c.deferred;
    c.deferred = [];
    c.inTransaction = false;
    if (c.beginPending && deferred.length === 0) {
      // Nothing ran in this transaction: there is nothing to commit.
      c.beginPending = false;
      return;
    }
    if (this.opts.multiStatement) {
      const prefix = c.beginPending ? "begin;\n" : "";
      c.beginPending = false;
      const { rows } = await c.send<{ command?: string }>(CompiledQuery.raw(prefix + [...deferred, "commit"].join(";\n")));
      // PostgreSQL answers COMMIT with ROLLBACK when an earlier statement left the transaction aborted.
      if (rows[0]?.command === "ROLLBACK") throw new Error("the transaction was aborted and has been rolled back");
      return;
    }
    await c.flushBegin();
    for (const statement of deferred) await c.send(CompiledQuery.raw(statement));
    await this.inner.commitTransaction(c.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as BatchingConnection;
    c.deferred = [];
    c.inTransaction = false;
    if (c.beginPending) {
      c.beginPending = false;
      return;
    }
    try {
      await this.inner.rollbackTransaction(c.inner);
    } catch {
      // The connection is gone (the driver discards it); the server has rolled back already.
      // Let the error that caused the rollback be the one reported.
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as BatchingConnection;
    c.beginPending = false;
    c.inTransaction = false;
    c.deferred = [];
    await this.inner.releaseConnection(c.inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Wraps a Kysely dialect with lazy BEGIN, batches and deferred writes (see above). */
export class BatchingDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    private readonly opts: BatchingOptions,
  ) {}

  createDriver(): Driver {
    return new BatchingDriver(this.inner.createDriver(), this.opts);
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}

/**
 * A pg pool as Kysely's PostgresDialect sees it, where a message of several statements
 * resolves to the result of the last one (node-postgres returns an array of results), and
 * where a connection that breaks while in use cannot crash the process.
 */
export function lastResultPool(pool: pg.Pool, onConnectionError?: (err: Error) => void): pg.Pool {
  const patched = new WeakSet<pg.PoolClient>();
  const patch = (client: pg.PoolClient): pg.PoolClient => {
    if (patched.has(client)) return client;
    patched.add(client);
    // A connection that breaks while checked out (e.g. between two queries of an update,
    // while the bot talks to Telegram) emits "error"; unhandled, that would crash the
    // process. The next query on it fails and the pool discards it on release.
    client.on("error", (err) => onConnectionError?.(err));
    const original = client.query as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = function (this: pg.PoolClient, ...args: unknown[]) {
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
