/**
 * Beneficiary self-service, by concern: the status check (lockout, PIN, sessions), what the
 * status card shows, subscriptions, data-subject requests, erasure and the data subject's
 * copy. Everything runs in the caller's transaction; times come from the caller (the app
 * clock), never from the database. The rules (limits, deadlines, PIN format) are in
 * src/domain/status-check.ts, src/domain/family-pin.ts and src/domain/data-requests.ts.
 */
export { BENEFICIARY_JOBS, dsrTopic } from "./jobs.js";
export { auditLockout, checkLock, codeHash, currentLock, type Lock } from "./lockout.js";
export { issueFamilyPin, pinIssuedAt, pinMatches } from "./pins.js";
export { endHouseholdSessions, openSession, verifiedHousehold } from "./sessions.js";
export { runStatusCheck, type CheckOutcome } from "./check.js";
export { loadStatusView, type StatusView } from "./status-view.js";
export { isSubscribed, subscribe, unsubscribe } from "./subscriptions.js";
export {
  closeDataRequest,
  createDataRequest,
  getDataRequest,
  listOpenRequests,
  openRequestOf,
  type DataRequest,
  type OpenRequestRow,
} from "./requests.js";
export { anonymizeHousehold, ERASED_NAME } from "./erasure.js";
export { loadHouseholdData, type HouseholdData } from "./household-data.js";
