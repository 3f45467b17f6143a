import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPgliteDb } from "../../src/db/client.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { createBroadcast } from "../../src/db/queries/broadcasts.js";
import { createFakeTelegram } from "../support/fake-telegram.js";
import { startFakeBotApiServer } from "../support/fake-server.js";
import { startMain, waitFor } from "../support/process.js";

const BOGOR = "32.01"; // Kab. Bogor
const PONDOK_RAJEG = "32.01.01.1001"; // Kel. Pondok Rajeg, Kec. Cibinong
const N = 150;
/** The sender's messages in flight at once (createBroadcastSender's default). */
const CONCURRENCY = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the real process: kill -9 in the middle of a broadcast", () => {
  it(
    "after a restart every volunteer gets the message, and at most the messages in flight at the kill are sent twice",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "pendamping-bc-kill-"));
      const pgliteDir = join(dir, "pglite");
      // The embedded database: a coordinator, N volunteers and a broadcast waiting to be sent.
      const seed = await createPgliteDb({ dir: pgliteDir });
      await migrateToLatest(seed.db);
      const now = new Date();
      const coord = await seed.db
        .insertInto("users")
        .values({ telegram_id: 78_000, role: "coordinator", status: "active", name: "Koordinator", locale: "id", area_code: BOGOR, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      await seed.db
        .insertInto("users")
        .values(
          Array.from({ length: N }, (_, i) => ({
            telegram_id: 78_001 + i,
            role: "volunteer" as const,
            status: "active" as const,
            name: `R${i}`,
            locale: "id",
            area_code: PONDOK_RAJEG,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      const b = await createBroadcast(seed.db, { actor: coord, audience: { kind: "area", code: null }, textHtml: "Siaran sebelum mati listrik", media: null, progress: null, now });
      expect(b.total).toBe(N);
      await seed.close();

      const fake = createFakeTelegram({ getUpdatesDelayMs: 200 });
      // Telegram answers a little slowly, so that messages are in flight when the process dies.
      fake.respond("sendMessage", async () => {
        await sleep(150);
        return undefined;
      });
      const server = await startFakeBotApiServer(fake);
      const env = {
        BOT_TOKEN: "123456789:AAHfakeTokenForTestsOnly_abcdefghij",
        TELEGRAM_API_ROOT: server.url,
        PGLITE_DIR: pgliteDir,
        PII_KEY_FILE: join(dir, "pii.key"),
        // Short, so that the restart does not wait 90 s for the reserved messages; long enough that
        // the Bot API call timeout (a third of it: 4 s) never fires on a loaded CI machine, where a
        // timed-out call that Telegram did receive would be a second copy the kill did not cause.
        BROADCAST_LEASE_SECONDS: "12",
      };
      const sentTo = () => fake.callsOf("sendMessage").filter((c) => Number(c.payload["chat_id"]) > 78_000);
      try {
        let p = startMain(env);
        await waitFor(() => sentTo().length >= 40, 120_000, "the first 40 messages");
        p.child.kill("SIGKILL");
        expect(await p.exited).toBe("SIGKILL");
        const atKill = sentTo().length;
        expect(atKill).toBeLessThan(N);

        // What the dead process had claimed but not recorded as sent: its messages in flight.
        const probe = await createPgliteDb({ dir: pgliteDir });
        const reserved = await probe.db.selectFrom("broadcast_deliveries").select("id").where("broadcast_id", "=", b.id).where("status", "=", "sending").execute();
        await probe.close();
        const inFlight = reserved.length;
        expect(inFlight).toBeGreaterThan(0);
        expect(inFlight).toBeLessThanOrEqual(CONCURRENCY);

        const restartedAt = Date.now();
        p = startMain(env);
        await waitFor(() => new Set(sentTo().map((c) => c.payload["chat_id"])).size >= N, 120_000, "every volunteer");
        const resumedAfterMs = Date.now() - restartedAt;
        await sleep(1500);
        p.child.kill("SIGTERM");
        expect(await p.exited).toBe(0);

        const perChat = new Map<unknown, number>();
        for (const c of sentTo()) perChat.set(c.payload["chat_id"], (perChat.get(c.payload["chat_id"]) ?? 0) + 1);
        const duplicates = [...perChat.values()].reduce((n, k) => n + (k - 1), 0);
        // Every volunteer at least once; a second copy only for what was in flight at the kill.
        expect(perChat.size).toBe(N);
        expect(duplicates).toBeLessThanOrEqual(inFlight);
        expect(Math.max(...perChat.values())).toBeLessThanOrEqual(2);
        process.stdout.write(
          `kill -9 after ${atKill} of ${N} messages: ${inFlight} in flight (claimed, not recorded), ${duplicates} sent twice, ` +
            `restart to every volunteer reached: ${(resumedAfterMs / 1000).toFixed(1)} s (lease 12 s)\n`,
        );
      } finally {
        await server.close();
      }
    },
    300_000,
  );
});
