import type { AppDeps } from "./context.js";

/**
 * Periodic work, checked on every poll of the job worker. Each ticker enqueues keyed jobs
 * (e.g. one per day and time zone), so running it often, or in several processes, is safe.
 */
export const SCHEDULE_TICKERS: Array<(deps: AppDeps) => Promise<void>> = [];
