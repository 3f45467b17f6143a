import type { FlowDefinition } from "../index.js";
import { dtsenStartFlow } from "./start.js";
import { dtsenEvidenceFlow } from "./evidence.js";
import { dtsenDecisionFlow } from "./decision.js";

export { DTSEN_START } from "./start.js";
export { DTSEN_EVIDENCE } from "./evidence.js";
export { DTSEN_DECISION } from "./decision.js";

/** The DTSEN proposal flows (ids are persisted: never rename one). */
export const dtsenFlows: FlowDefinition[] = [dtsenStartFlow, dtsenEvidenceFlow, dtsenDecisionFlow];
