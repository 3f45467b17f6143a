import { z } from "zod";
import { defineJob, type Ticker } from "./jobs.js";

const DAY_MS = 24 * 3600 * 1000;

/**
 * Hourly housekeeping: forgets what is only needed for a while — processed update ids (Telegram
 * redelivers within a day), status-check attempts (the lockout window is an hour), expired
 * verification sessions and finished jobs.
 */
export const housekeepingJob = defineJob("housekeeping", z.object({}), async ({ deps, log }) => {
  const now = deps.now().getTime();
  const updates = await deps.db.deleteFrom("processed_update").where("processed_at", "<", new Date(now - 3 * DAY_MS)).executeTakeFirst();
  const attempts = await deps.db.deleteFrom("status_attempts").where("at", "<", new Date(now - 2 * DAY_MS)).executeTakeFirst();
  const sessions = await deps.db.deleteFrom("status_sessions").where("expires_at", "<", new Date(now)).executeTakeFirst();
  const jobs = await deps.db
    .deleteFrom("job")
    .where((eb) => eb.or([eb("done_at", "<", new Date(now - 7 * DAY_MS)), eb("failed_at", "<", new Date(now - 30 * DAY_MS))]))
    .executeTakeFirst();
  log.info(
    {
      updates: Number(updates.numDeletedRows),
      attempts: Number(attempts.numDeletedRows),
      sessions: Number(sessions.numDeletedRows),
      jobs: Number(jobs.numDeletedRows),
    },
    "housekeeping done",
  );
});

/** Enqueues the housekeeping job once per hour (UTC). */
export const housekeepingTicker: Ticker = async (deps, memo) => {
  const key = `housekeeping:${deps.now().toISOString().slice(0, 13)}`;
  if (memo.has(key)) return;
  await deps.jobs.enqueue(deps.db, "housekeeping", {}, { key });
  memo.add(key);
};
