import type { FlowDefinition } from "../index.js";
import { broadcastComposeFlow } from "./broadcast.js";
import { reassignFlow } from "./reassign.js";
import { coordinatorAreaFlow } from "./coordinator-area.js";

export { BROADCAST_COMPOSE } from "./broadcast.js";
export { REASSIGN_FLOW, type ReassignArgs } from "./reassign.js";
export { COORDINATOR_AREA_FLOW, type CoordinatorAreaArgs } from "./coordinator-area.js";

/** The coordinator tools' conversations (issue 7). */
export const coordinatorFlows: FlowDefinition[] = [broadcastComposeFlow, reassignFlow, coordinatorAreaFlow];
