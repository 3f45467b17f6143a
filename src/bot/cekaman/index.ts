import type { Feature } from "../features.js";
import { cekamanFlows } from "../../flows/cekaman/index.js";
import { cekamanHandlers } from "./handlers.js";
import { cekamanJobs } from "./jobs.js";
import { cekamanCardActions } from "./card-action.js";
import { broadcastAckJobs } from "../coordinator/broadcast.js";

/**
 * Issue 15: disaster check-in ("Cek Aman": /cekaman, checklists for volunteers and families,
 * escalation, help requests, the live tally, the final XLSX) and the jobs of acknowledged
 * broadcasts (/siaran "minta konfirmasi baca", whose buttons live with /siaran).
 */
export const cekamanFeature: Feature = {
  name: "cekaman",
  composer: cekamanHandlers,
  cardActions: [cekamanCardActions],
  flows: cekamanFlows,
  jobs: [...cekamanJobs, ...broadcastAckJobs],
};
