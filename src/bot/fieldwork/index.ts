import type { Feature } from "../features.js";
import type { TFunction } from "../../i18n.js";
import { postponeFlow } from "../../flows/fieldwork/postpone.js";
import { setTargetFlow } from "../../flows/fieldwork/target.js";
import { fieldworkHandlers } from "./handlers.js";
import { locationCheckJob } from "./plausibility.js";
import { behindJob, fieldworkTicker, weeklyJob } from "./targets.js";
import { reportJob } from "./report.js";

export { reviewSection, type ReviewSection } from "./plausibility.js";
export { runBehind, runWeekly } from "./targets.js";

/**
 * Issue 16: field work that plans and reports itself — the day plan by RW/RT with walking
 * routes (/rencana, "Tunda ke besok"), monthly targets (/target, weekly progress, the 25th
 * list of volunteers behind), visit plausibility (the follow-up after a located report, the
 * digest's review list) and the monthly activity report (/laporan, PDF and XLSX).
 */
export const fieldworkFeature: Feature = {
  name: "fieldwork",
  composer: fieldworkHandlers,
  flows: [postponeFlow, setTargetFlow],
  jobs: [locationCheckJob, weeklyJob, behindJob, reportJob],
  tickers: [fieldworkTicker],
};

/** The line the 07:00 reminder adds to point at the day plan (a tappable command in Telegram). */
export function planReminderLine(t: TFunction): string {
  return t("fieldwork.morning_plan_link");
}
