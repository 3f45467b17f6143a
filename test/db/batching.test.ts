import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { freshDb } from "../support/db.js";
import { PG_URL, scratchDatabase } from "../support/pg.js";
import { createPgDb, type DbHandle } from "../../src/db/client.js";
import { deferUntilCommit, inlineParameters, redactLiterals, runBatch, sqlLiteral } from "../../src/db/batching.js";

const TRICKY = [
  "",
  "plain",
  "it's",
  "back\\slash \\' \\\\",
  "$pd$ inside",
  "ends with $pd",
  "ends with $",
  "$pd0$ and $pd$ and $pd1$",
  "emoji 👨‍👩‍👧 RTL مرحبا \u202e",
  "'; drop table users; --",
  "x".repeat(300) + "'$pd$\\",
  "y".repeat(5000) + "$pd",
  JSON.stringify({ text: "a'b\\c", nested: ["$pd$", "é"] }),
];

let h: DbHandle;
beforeAll(async () => {
  h = await freshDb();
});
afterAll(async () => {
  await h?.close();
});

describe("SQL literals for batched statements", () => {
  it("round-trips every string exactly", async () => {
    for (const s of TRICKY) {
      const res = await sql<{ v: string }>`select ${sql.raw(sqlLiteral(s))}::text as v`.execute(h.db);
      expect(res.rows[0]!.v).toBe(s);
    }
  });

  it("inlines numbers, booleans, null, dates and JSON, leaving $n inside values alone", async () => {
    const q = { sql: "select $1::int as a, $2::bool as b, $3::text as c, $4::timestamptz as d, $5::jsonb as e, $10::text as j", parameters: [42, true, null, new Date("2026-11-28T02:00:00Z"), { k: "$1" }, 0, 0, 0, 0, "ten"] };
    const res = await sql<{ a: number; b: boolean; c: null; d: Date; e: unknown; j: string }>`${sql.raw(inlineParameters(q))}`.execute(h.db);
    expect(res.rows[0]).toEqual({ a: 42, b: true, c: null, d: new Date("2026-11-28T02:00:00Z"), e: { k: "$1" }, j: "ten" });
    expect(() => sqlLiteral(Number.NaN)).toThrow();
  });

  it("masks inlined values in log lines of batched or deferred statements only", () => {
    expect(redactLiterals("select * from users where name = $1")).toBe("select * from users where name = $1");
    expect(redactLiterals("select 1;\n-- pendamping:next\nselect 'Siti Aminah'")).toBe("select 1;\n-- pendamping:next\nselect '…'");
  });
});

describe("batches and deferred writes", () => {
  it("runs a batch in order and returns the last statement's rows; each statement sees the previous one", async () => {
    await sql`create table batch_probe (id int primary key, v text)`.execute(h.db);
    const rows = await runBatch<{ n: number }>(h.db, ["insert into batch_probe values (1, 'a')", "insert into batch_probe values (2, 'b')", "select count(*)::int as n from batch_probe"]);
    expect(rows).toEqual([{ n: 2 }]);
  });

  it("sends a deferred write with COMMIT, and drops it when the transaction fails", async () => {
    await h.db.transaction().execute(async (trx) => {
      await deferUntilCommit(trx, trx.insertInto("conversation_state").values({ key: "conv:deferred", state: JSON.stringify({ a: "it's $pd$" }) }));
      // Not written yet: nothing later in the transaction may rely on it.
      const inside = await trx.selectFrom("conversation_state").select("key").where("key", "=", "conv:deferred").execute();
      expect(inside).toEqual([]);
    });
    const stored = await h.db.selectFrom("conversation_state").select("state").where("key", "=", "conv:deferred").executeTakeFirst();
    expect(stored?.state).toEqual({ a: "it's $pd$" });

    await expect(
      h.db.transaction().execute(async (trx) => {
        await deferUntilCommit(trx, trx.updateTable("conversation_state").set({ state: JSON.stringify({ a: "changed" }) }).where("key", "=", "conv:deferred"));
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    const after = await h.db.selectFrom("conversation_state").select("state").where("key", "=", "conv:deferred").executeTakeFirst();
    expect(after?.state).toEqual({ a: "it's $pd$" });

    // A deferred write that fails at COMMIT rolls the whole transaction back.
    await expect(
      h.db.transaction().execute(async (trx) => {
        await trx.insertInto("processed_update").values({ update_id: 424242 }).execute();
        await deferUntilCommit(trx, trx.insertInto("conversation_state").values({ key: "conv:deferred", state: "{}" }));
      }),
    ).rejects.toThrow();
    expect(await h.db.selectFrom("processed_update").select("update_id").where("update_id", "=", 424242).execute()).toEqual([]);
  });
});

describe.skipIf(!PG_URL)("round trips on PostgreSQL", () => {
  it("BEGIN travels with the first statement, a deferred write with COMMIT, and an empty transaction costs nothing", async () => {
    const db = await scratchDatabase();
    const sent: string[] = [];
    const pg = createPgDb({ url: db.url, max: 1, onRoundTrip: (s) => sent.push(s) });
    try {
      await pg.db.transaction().execute(async () => undefined);
      expect(sent).toEqual([]);
      await pg.db.transaction().execute(async (trx) => {
        await runBatch(trx, ["select pg_advisory_xact_lock(1)", "select 1 as one"]);
        await deferUntilCommit(trx, trx.insertInto("processed_update").values({ update_id: 99 }));
      });
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatch(/^begin;\nselect pg_advisory_xact_lock\(1\)/);
      expect(sent[1]).toMatch(/insert into "processed_update".*;\ncommit$/s);
      expect((await pg.db.selectFrom("processed_update").select("update_id").execute()).map((r) => r.update_id)).toEqual([99]);
    } finally {
      await pg.close();
      await db.drop();
    }
  });
});
