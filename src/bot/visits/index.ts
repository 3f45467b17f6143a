import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Feature } from "../features.js";
import { alertResolveFlow } from "../../flows/alert-resolve.js";
import { visitReportFlow } from "../../flows/visit-report.js";
import { visitCardActions, visitHandlers } from "./handlers.js";
import { alertEscalateJob, alertFanoutJob, alertHandlers, alertNotifyJob } from "./alerts.js";
import { morningJob, morningTicker } from "./morning.js";

export { triggerMorning } from "./morning.js";

/**
 * Issue 5: visit reports (/kunjungan, card buttons, history), darurat alerts with
 * acknowledge/resolve/escalation, alert groups, /peringatan, morning reminders and digests.
 */
export const visitFeature: Feature = {
  name: "visits",
  composer: new Composer<BotContext>(visitHandlers, alertHandlers),
  cardActions: [visitCardActions],
  flows: [visitReportFlow, alertResolveFlow],
  jobs: [alertFanoutJob, alertNotifyJob, alertEscalateJob, morningJob],
  tickers: [morningTicker],
};
