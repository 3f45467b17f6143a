import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { visitHandlers } from "./handlers.js";
import { alertHandlers } from "./alerts.js";
// Registers the morning job and its ticker.
import "./morning.js";

export { triggerMorning } from "./morning.js";

/**
 * Issue 5: visit reports (/kunjungan, card buttons, history), darurat alerts with
 * acknowledge/resolve/escalation, alert groups, /peringatan, morning reminders and digests.
 */
export const visitFeature = new Composer<BotContext>(visitHandlers, alertHandlers);
