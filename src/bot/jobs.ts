import type { Api, RawApi } from "grammy";
import { claimJobs, completeJob, enqueueJob, failJob, type Job } from "../db/queries/jobs.js";
import type { Logger } from "../logger.js";
import type { AppDeps } from "./context.js";
import type { Jobs } from "./jobs-port.js";
import { describeError } from "./errors.js";

/** What a job handler gets: the app's dependencies and a Bot API client. */
export interface JobContext {
  deps: AppDeps;
  api: Api<RawApi>;
  job: Job;
  log: Logger;
}

export type JobHandler = (ctx: JobContext, payload: Record<string, unknown>) => Promise<void>;

/** Job handlers by name. Features register theirs at import. */
export const JOB_HANDLERS = new Map<string, JobHandler>();

export function defineJob(name: string, handler: JobHandler): string {
  JOB_HANDLERS.set(name, handler);
  return name;
}

/** The queue, as the bot sees it: jobs are rows in the `job` table. */
export function createJobQueue(now: () => Date): Jobs {
  return {
    async enqueue(db, name, payload, opts) {
      await enqueueJob(db, name, payload, { ...opts, now: now() });
    },
  };
}

export interface JobWorker {
  /** Claims and runs due jobs once; returns how many ran (tests and the simulator call it). */
  runDue(): Promise<number>;
  start(): void;
  /** Stops polling and waits for running jobs to finish. */
  stop(): Promise<void>;
}

/**
 * Polls the job table and runs due jobs. Safe with several processes (SKIP LOCKED leases).
 * Periodic work ("every morning at 07:00") is driven by `tickers`, which run each poll and
 * enqueue keyed jobs, so a restart neither loses nor repeats a run.
 */
export function createJobWorker(opts: {
  deps: AppDeps;
  api: Api<RawApi>;
  pollMs?: number;
  concurrency?: number;
  leaseSeconds?: number;
  maxAttempts?: number;
  tickers?: Array<(deps: AppDeps) => Promise<void>>;
}): JobWorker {
  const { deps, api } = opts;
  const pollMs = opts.pollMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOne(job: Job): Promise<void> {
    const handler = JOB_HANDLERS.get(job.name);
    const log = deps.logger.child({ job: job.name, job_id: job.id });
    if (!handler) {
      await failJob(deps.db, job, "no handler", { maxAttempts: 0, now: deps.now() });
      return;
    }
    try {
      await handler({ deps, api, job, log }, job.payload);
      await completeJob(deps.db, job.id);
    } catch (err) {
      log.warn({ err: describeError(err), attempts: job.attempts }, "job failed");
      await failJob(deps.db, job, err instanceof Error ? err.message : String(err), { maxAttempts: opts.maxAttempts ?? 5, now: deps.now() });
    }
  }

  async function runDue(): Promise<number> {
    for (const tick of opts.tickers ?? []) {
      try {
        await tick(deps);
      } catch (err) {
        deps.logger.warn({ err: describeError(err) }, "scheduler tick failed");
      }
    }
    const jobs = await claimJobs(deps.db, {
      names: [...JOB_HANDLERS.keys()],
      limit: opts.concurrency ?? 4,
      leaseSeconds: opts.leaseSeconds ?? 120,
      now: deps.now(),
    });
    await Promise.all(jobs.map(runOne));
    return jobs.length;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runDue()
        .catch((err) => deps.logger.warn({ err: describeError(err) }, "job poll failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, pollMs);
    timer.unref?.();
  }

  return {
    runDue,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
