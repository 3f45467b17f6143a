import { sql } from "kysely";
import type { Db, JobTable } from "../schema.js";
import type { Selectable } from "kysely";

export type Job = Selectable<JobTable>;

/**
 * Enqueues a job. With a `key`, the job is enqueued at most once ever (a second call with the
 * same key is a no-op), which makes schedules idempotent across restarts and processes.
 * Returns true when a new job was created.
 */
export async function enqueueJob(
  db: Db,
  name: string,
  payload: Record<string, unknown>,
  opts: { key?: string; runAt?: Date; now?: Date } = {},
): Promise<boolean> {
  const runAt = opts.runAt ?? opts.now;
  const res = await db
    .insertInto("job")
    .values({ name, payload: JSON.stringify(payload), key: opts.key ?? null, ...(runAt ? { run_at: runAt } : {}) })
    .onConflict((oc) => oc.column("key").doNothing())
    .returning("id")
    .executeTakeFirst();
  return res !== undefined;
}

/**
 * Claims up to `limit` due jobs for `leaseSeconds`. Rows are locked with SKIP LOCKED, so
 * several processes never claim the same job; a job whose lease ran out (its process died)
 * becomes due again.
 */
export async function claimJobs(
  db: Db,
  opts: { names: string[]; limit: number; leaseSeconds: number; now: Date },
): Promise<Job[]> {
  if (opts.names.length === 0) return [];
  // The app's clock decides what is due (tests and the simulator move it); leases use it too.
  const now = opts.now.toISOString();
  const res = await sql<Job>`
    update job set locked_until = ${now}::timestamptz + make_interval(secs => ${opts.leaseSeconds}), attempts = attempts + 1
    where id in (
      select id from job
      where done_at is null and failed_at is null and run_at <= ${now}::timestamptz
        and (locked_until is null or locked_until < ${now}::timestamptz)
        and name = any(${opts.names}::text[])
      order by run_at, id
      limit ${opts.limit}
      for update skip locked)
    returning *`.execute(db);
  return res.rows;
}

export async function completeJob(db: Db, id: number, now: Date): Promise<void> {
  await db.updateTable("job").set({ done_at: now, locked_until: null, last_error: null }).where("id", "=", id).execute();
}

/** Schedules a retry with backoff, or marks the job failed after `maxAttempts`. */
export async function failJob(db: Db, job: Job, error: string, opts: { maxAttempts: number; now: Date }): Promise<void> {
  if (job.attempts >= opts.maxAttempts) {
    await db.updateTable("job").set({ failed_at: opts.now, locked_until: null, last_error: error.slice(0, 500) }).where("id", "=", job.id).execute();
    return;
  }
  const delaySeconds = Math.min(600, 5 * 2 ** (job.attempts - 1));
  await db
    .updateTable("job")
    .set({ run_at: new Date(opts.now.getTime() + delaySeconds * 1000), locked_until: null, last_error: error.slice(0, 500) })
    .where("id", "=", job.id)
    .execute();
}

/** Extends a running job's lease (long jobs such as broadcasts call it as they progress). */
export async function extendJobLease(db: Db, id: number, leaseSeconds: number, now: Date): Promise<void> {
  await db.updateTable("job").set({ locked_until: new Date(now.getTime() + leaseSeconds * 1000) }).where("id", "=", id).execute();
}
