import type { Api, RawApi } from "grammy";
import type { z } from "zod";
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

/**
 * A background job: its persisted name, the schema of its JSON payload (validated before the
 * handler runs: a payload that does not match fails the job at once, without retries) and
 * the handler. Features list theirs in `Feature.jobs`; nothing registers itself at import.
 */
export interface JobDefinition<P = unknown> {
  name: string;
  payload: z.ZodType<P>;
  run(ctx: JobContext, payload: P): Promise<void>;
}

export function defineJob<P>(name: string, payload: z.ZodType<P>, run: (ctx: JobContext, payload: P) => Promise<void>): JobDefinition<P> {
  return { name, payload, run };
}

/**
 * Periodic work, called on every poll of the job worker. A ticker enqueues keyed jobs (e.g.
 * one per day and time zone), so running it often, or in several processes, is safe. `memo`
 * belongs to the worker (one per app): a ticker may remember there what it already enqueued
 * to save a write per poll.
 */
export type Ticker = (deps: AppDeps, memo: Set<string>) => Promise<void>;

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
  jobs: ReadonlyArray<JobDefinition<any>>;
  tickers?: ReadonlyArray<Ticker>;
  pollMs?: number;
  concurrency?: number;
  leaseSeconds?: number;
  maxAttempts?: number;
}): JobWorker {
  const { deps, api } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const handlers = new Map<string, JobDefinition<any>>();
  for (const def of opts.jobs) {
    if (handlers.has(def.name)) throw new Error(`job ${def.name} is defined twice`);
    handlers.set(def.name, def);
  }
  const memo = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOne(job: Job): Promise<void> {
    const def = handlers.get(job.name);
    const log = deps.logger.child({ job: job.name, job_id: job.id });
    if (!def) {
      await failJob(deps.db, job, "no handler", { maxAttempts: 0, now: deps.now() });
      return;
    }
    const parsed = def.payload.safeParse(job.payload);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join(".")) }, "job payload does not match its schema");
      await failJob(deps.db, job, "invalid payload", { maxAttempts: 0, now: deps.now() });
      return;
    }
    try {
      await def.run({ deps, api, job, log }, parsed.data);
      await completeJob(deps.db, job.id, deps.now());
    } catch (err) {
      log.warn({ err: describeError(err), attempts: job.attempts }, "job failed");
      await failJob(deps.db, job, err instanceof Error ? err.message : String(err), { maxAttempts: opts.maxAttempts ?? 5, now: deps.now() });
    }
  }

  async function runDue(): Promise<number> {
    for (const tick of opts.tickers ?? []) {
      try {
        await tick(deps, memo);
      } catch (err) {
        deps.logger.warn({ err: describeError(err) }, "scheduler tick failed");
      }
    }
    const jobs = await claimJobs(deps.db, {
      names: [...handlers.keys()],
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
