import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { broadcastHandlers } from "./broadcast.js";
import { summaryHandlers } from "./summary.js";
import { exportHandlers } from "./export.js";
import { volunteerHandlers } from "./volunteers.js";
import { coordinatorHandlers } from "./coordinators.js";
import "./broadcast-sender.js";

/**
 * Coordinator tools (issue 7): /siaran broadcasts, /rekap summary with chart, /ekspor
 * CSV/XLSX, /relawan volunteers and reassigning households, /koordinator management.
 * Every command and button is for staff only (coordinators and admins), with area checks.
 */
export const coordinatorFeature = new Composer<BotContext>(
  broadcastHandlers,
  summaryHandlers,
  exportHandlers,
  volunteerHandlers,
  coordinatorHandlers,
);
