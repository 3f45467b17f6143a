import { defineJob } from "./jobs.js";
import { SCHEDULE_TICKERS } from "./schedule.js";

const DAY_MS = 24 * 3600 * 1000;

/**
 * Hourly housekeeping: forgets what is only needed for a while — processed update ids (Telegram
 * redelivers within a day), status-check attempts (the lockout window is an hour), expired
 * verification sessions and finished jobs.
 */
defineJob("housekeeping", async ({ deps, log }) => {
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

let lastHour = "";
SCHEDULE_TICKERS.push(async (deps) => {
  const hour = deps.now().toISOString().slice(0, 13);
  if (hour === lastHour) return;
  await deps.jobs.enqueue(deps.db, "housekeeping", {}, { key: `housekeeping:${hour}` });
  lastHour = hour;
});
