import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Feature } from "../features.js";
import { coordinatorFlows } from "../../flows/coordinator/index.js";
import { broadcastHandlers } from "./broadcast.js";
import { summaryHandlers } from "./summary.js";
import { exportHandlers, exportJob } from "./export.js";
import { reassignCardAction, reassignNotifyJob, volunteerHandlers, volunteerStatusNotifyJob } from "./volunteers.js";
import { coordinatorHandlers, coordinatorNotifyJob } from "./coordinators.js";
import { broadcastDrainJob } from "./broadcast-sender.js";

/**
 * Coordinator tools (issue 7): /siaran broadcasts, /rekap summary with chart, /ekspor
 * CSV/XLSX, /relawan volunteers and reassigning households, /koordinator management.
 * Every command and button is for staff only (coordinators and admins), with area checks.
 */
export const coordinatorFeature: Feature = {
  name: "coordinator",
  composer: new Composer<BotContext>(broadcastHandlers, summaryHandlers, exportHandlers, volunteerHandlers, coordinatorHandlers),
  cardActions: [reassignCardAction],
  flows: coordinatorFlows,
  jobs: [reassignNotifyJob, exportJob, coordinatorNotifyJob, broadcastDrainJob, volunteerStatusNotifyJob],
};
