import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type Kysely } from "kysely";
import { createLogger } from "../../src/logger.js";
import { freshDb } from "../support/db.js";
import { PG_URL, scratchDatabase } from "../support/pg.js";
import { createPgDb, type DbHandle } from "../../src/db/client.js";
import { commitWith, DeferredWrites, multiStatementAllowed, sendTogether, sqlLiteral, type BatchConnection } from "../../src/db/batching.js";
import { deferredWritesOf, runUpdateTransaction, takePrefetchedConversation, takePrefetchedUser } from "../../src/db/update-prefetch.js";
import type { Database } from "../../src/db/schema.js";

const TRICKY = [
  "",
  "plain",
  "it's",
  "back\\slash \\' \\\\",
  "$1 and $2 inside a value",
  "$pd$ dollar $$ quotes $tag$",
  "emoji 👨‍👩‍👧 RTL مرحبا \u202e",
  "'; drop table users; --",
  "E'x' and e'\\''",
  "x".repeat(300) + "'$1\\",
  "y".repeat(20000) + "'",
  JSON.stringify({ text: "a'b\\c", nested: ["$1", "é"] }),
];

let h: DbHandle;
beforeAll(async () => {
  h = await freshDb();
});
afterAll(async () => {
  await h?.close();
});

/** Runs `fn` on one connection inside BEGIN … COMMIT, batching as the app does. */
async function inTransaction<T>(db: Kysely<Database>, fn: (c: BatchConnection, deferred: DeferredWrites) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    const c = { db: conn, multiStatement: multiStatementAllowed(db) };
    const deferred = new DeferredWrites();
    await sql`begin`.execute(conn);
    try {
      const result = await fn(c, deferred);
      await commitWith(c, deferred);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

describe("values inlined by Kysely's compiler", () => {
  it("round-trips every string exactly", async () => {
    for (const s of TRICKY) {
      const res = await sql<{ v: string }>`select ${sql.raw(sqlLiteral(s))}::text as v`.execute(h.db);
      expect(res.rows[0]!.v).toBe(s);
    }
  });

  it("gives the same rows as bind parameters: strings with $n, arrays with any(), JSON, dates, booleans, null, bytes", async () => {
    const when = new Date("2026-11-28T02:00:00.123Z");
    const query = (db: Kysely<Database>) =>
      db
        .selectNoFrom((eb) => [
          eb.val("it's $1 and $2").as("text"),
          sql<boolean>`${2} = any(${[1, 2, 3]})`.as("inArray"),
          sql<boolean>`${"b"} = any(${["a", "b"]}::text[])`.as("inTextArray"),
          sql<unknown>`${JSON.stringify({ k: "$1", n: [1, "x'y"] })}::jsonb`.as("json"),
          sql<Date>`${when}::timestamptz`.as("when"),
          sql<boolean>`${true}::bool`.as("yes"),
          sql<string | null>`${null}::text`.as("nothing"),
          sql<number>`${42}::int + ${0.5}::float8`.as("number"),
          sql<Buffer>`${Buffer.from([0, 1, 254, 255])}::bytea`.as("bytes"),
        ])
        .limit(1);
    const expected = await query(h.db).execute();
    const viaBatch = await inTransaction(h.db, (c) => sendTogether(c, [sql`select 1`], query(c.db as Kysely<Database>)));
    expect(viaBatch).toEqual(expected);
    expect(expected[0]).toMatchObject({ text: "it's $1 and $2", inArray: true, inTextArray: true, json: { k: "$1", n: [1, "x'y"] }, when, yes: true, nothing: null, number: 42.5 });
  });

  it("never puts a value in the log: a failed batch is logged with placeholders", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", destination: new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }) });
    const logged = await freshDb({ logger });
    try {
      await expect(
        inTransaction(logged.db, (c) => sendTogether(c, [sql`select ${"Siti Aminah"}::text`], sql`select ${"3201014508680001"}::text as nik, 1/0 as boom`)),
      ).rejects.toThrow();
      const failed = lines.filter((l) => l.includes("query failed"));
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.join("\n")).not.toMatch(/Siti Aminah|3201014508680001/);
      expect(failed.join("\n")).toContain("$1");
    } finally {
      await logged.close();
    }
  });
});

describe("batches and deferred writes", () => {
  it("runs statements in order and returns the last one's rows; each statement sees the previous one", async () => {
    await sql`create table batch_probe (id int primary key, v text)`.execute(h.db);
    const rows = await inTransaction(h.db, (c) =>
      sendTogether(
        c,
        [c.db.insertInto("batch_probe" as never).values({ id: 1, v: "a" } as never), sql`insert into batch_probe values (${2}, ${"b'"})`],
        sql<{ n: number }>`select count(*)::int as n from batch_probe`,
      ),
    );
    expect(rows).toEqual([{ n: 2 }]);
  });

  it("sends a deferred write with COMMIT, and drops it when the transaction fails", async () => {
    const write = (db: Kysely<Database>, state: unknown) =>
      db
        .insertInto("conversation_state")
        .values({ key: "conv:deferred", state: JSON.stringify(state), updated_at: new Date() })
        .onConflict((oc) => oc.column("key").doUpdateSet({ state: (eb) => eb.ref("excluded.state") }));
    await inTransaction(h.db, async (c, deferred) => {
      deferred.add(write(c.db as Kysely<Database>, { a: "it's $1 $pd$" }));
      // Not written yet: nothing later in the transaction may rely on it.
      const inside = await c.db.selectFrom("conversation_state" as never).select("key" as never).where("key" as never, "=", "conv:deferred" as never).execute();
      expect(inside).toEqual([]);
    });
    const stored = await h.db.selectFrom("conversation_state").select("state").where("key", "=", "conv:deferred").executeTakeFirst();
    expect(stored?.state).toEqual({ a: "it's $1 $pd$" });

    await expect(
      inTransaction(h.db, async (c, deferred) => {
        deferred.add(write(c.db as Kysely<Database>, { a: "changed" }));
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    expect((await h.db.selectFrom("conversation_state").select("state").where("key", "=", "conv:deferred").executeTakeFirst())?.state).toEqual({
      a: "it's $1 $pd$",
    });

    // A deferred write that fails at COMMIT rolls the whole transaction back.
    await expect(
      inTransaction(h.db, async (c, deferred) => {
        await c.db.insertInto("processed_update" as never).values({ update_id: 424242, processed_at: new Date() } as never).execute();
        deferred.add(c.db.insertInto("conversation_state" as never).values({ key: null } as never));
      }),
    ).rejects.toThrow();
    expect(await h.db.selectFrom("processed_update").select("update_id").where("update_id", "=", 424242).execute()).toEqual([]);
  });

  it("does not report a transaction that an earlier, swallowed error aborted as committed", async () => {
    await expect(
      inTransaction(h.db, async (c) => {
        await c.db.insertInto("processed_update" as never).values({ update_id: 434343, processed_at: new Date() } as never).execute();
        await sql`select 1/0`.execute(c.db).catch(() => undefined);
      }),
    ).rejects.toThrow();
    expect(await h.db.selectFrom("processed_update").select("update_id").where("update_id", "=", 434343).execute()).toEqual([]);
  });
});

describe("the update transaction", () => {
  it("locks, dedups, prefetches the account and the state, and commits the deferred writes", async () => {
    const user = await h.db
      .insertInto("users")
      .values({ telegram_id: 777001, role: "volunteer", status: "active", name: "Ani", locale: "id", created_at: new Date(), updated_at: new Date() } as never)
      .returning("id")
      .executeTakeFirstOrThrow();
    await h.db.insertInto("conversation_state").values({ key: "conv:777001", state: JSON.stringify({ s: 1 }), updated_at: new Date() }).execute();
    const ctx = {};
    const key = { updateId: 9_000_001, chatId: 777001, senderId: 777001, conversationKey: "conv:777001", now: new Date("2026-11-28T02:00:00Z") };
    const outcome = await runUpdateTransaction(ctx, h.db, key, async (db) => {
      expect(takePrefetchedUser(ctx, 777001)?.value?.id).toBe(user.id);
      expect(takePrefetchedUser(ctx, 777001)).toBeUndefined();
      expect(takePrefetchedConversation(ctx, "conv:777001")?.value).toEqual({ s: 1 });
      deferredWritesOf(ctx)!.add(db.updateTable("conversation_state").set({ state: JSON.stringify({ s: 2 }) }).where("key", "=", "conv:777001"));
    });
    expect(outcome).toEqual({ fresh: true, stateWritten: false });
    expect(deferredWritesOf(ctx)).toBeUndefined();
    expect((await h.db.selectFrom("conversation_state").select("state").where("key", "=", "conv:777001").executeTakeFirst())?.state).toEqual({ s: 2 });
    // The same update again: skipped, nothing runs.
    let ran = false;
    expect((await runUpdateTransaction({}, h.db, key, async () => void (ran = true))).fresh).toBe(false);
    expect(ran).toBe(false);
  });
});

describe("module boundary", () => {
  it("is used only inside src/db/", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith(".ts") && !path.startsWith(join("src", "db")) && /from "[^"]*\/db\/batching\.js"/.test(readFileSync(path, "utf8"))) offenders.push(path);
      }
    };
    walk("src");
    expect(offenders).toEqual([]);
  });
});

describe.skipIf(!PG_URL)("round trips on PostgreSQL", () => {
  it("an update costs two messages: BEGIN with the lock and the first read, then the deferred write with COMMIT", async () => {
    const db = await scratchDatabase();
    const sent: number[] = [];
    const pgh = createPgDb({ url: db.url, max: 1, onRoundTrip: () => sent.push(1) });
    try {
      await sql`select 1`.execute(pgh.db);
      sent.length = 0;
      const ctx = {};
      await runUpdateTransaction(ctx, pgh.db, { updateId: 5, chatId: 42, senderId: 42, conversationKey: "conv:42", now: new Date() }, async (trx) => {
        deferredWritesOf(ctx)!.add(trx.insertInto("conversation_state").values({ key: "conv:42", state: "{}", updated_at: new Date() }));
      });
      expect(sent).toHaveLength(2);
      expect(await pgh.db.selectFrom("conversation_state").select("key").execute()).toEqual([{ key: "conv:42" }]);
      // Without batching the same update would send BEGIN, lock, dedup, account, state, write, COMMIT.
    } finally {
      await pgh.close();
      await db.drop();
    }
  });
});
