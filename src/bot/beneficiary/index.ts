import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { selfServiceHandlers } from "./self-service.js";
import { requestHandlers } from "./requests.js";
import { statusHandlers } from "./status.js";
import "./jobs.js";

/**
 * Beneficiary self-service (issue 6): the private status check (/status, "Cek status bantuan"
 * at /start), notifications on status changes, data-subject requests (UU PDP) with the
 * coordinators' side (/permintaan), and status changes from the household card.
 */
export const beneficiaryHandlers = new Composer<BotContext>(selfServiceHandlers, requestHandlers, statusHandlers);
