import type { Feature } from "../features.js";
import { dtsenFlows } from "../../flows/dtsen/index.js";
import { dtsenHandlers } from "./handlers.js";
import { dtsenJobs, dtsenTicker } from "./jobs.js";
import { dtsenCardButton } from "./card-button.js";

/**
 * DTSEN bridge (issue 17): proposals (usulan baru, perubahan data, sanggah/penghapusan)
 * prepared in the field with their evidence, verified by the coordinator (/usulan), handed to
 * the village operator as a package (XLSX, ZIP of photos, PDF list for the musdes), outcomes
 * told to the volunteer and subscribed families, and reminders before each update window
 * closes. Pendamping never submits anything to Kemensos itself.
 */
export const dtsenFeature: Feature = {
  name: "dtsen",
  composer: dtsenHandlers,
  cardActions: [dtsenCardButton],
  flows: dtsenFlows,
  jobs: dtsenJobs,
  tickers: [dtsenTicker],
};
