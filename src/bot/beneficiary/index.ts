import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Feature } from "../features.js";
import { statusCheckFlow } from "../../flows/status-check.js";
import { dataCorrectionFlow } from "../../flows/data-correction.js";
import { statusChangeFlow } from "../../flows/status-change.js";
import { dsrRejectFlow } from "../../flows/dsr-reject.js";
import { selfServiceHandlers } from "./self-service.js";
import { requestHandlers } from "./requests.js";
import { statusCardActions, statusHandlers } from "./status.js";
import { deleteMessageJob, dsrNotifyJob, dsrOutcomeJob, dsrRefreshJob, statusNotifyJob } from "./jobs.js";
import { pinCardAction, pinHandlers, pinMigrationJob, pinMigrationNoticeJob } from "./pin.js";

/**
 * Beneficiary self-service (issues 6 and 11): the private status check (/status, "Cek status
 * bantuan" at /start) with the household code and the family PIN, the volunteer's PIN slips,
 * notifications on status changes, data-subject requests (UU PDP) with the coordinators' side
 * (/permintaan), and status changes from the household card.
 */
export const beneficiaryFeature: Feature = {
  name: "beneficiary",
  composer: new Composer<BotContext>(selfServiceHandlers, requestHandlers, statusHandlers, pinHandlers),
  cardActions: [pinCardAction, statusCardActions],
  flows: [statusCheckFlow, dataCorrectionFlow, statusChangeFlow, dsrRejectFlow],
  jobs: [statusNotifyJob, dsrNotifyJob, dsrOutcomeJob, dsrRefreshJob, deleteMessageJob, pinMigrationJob, pinMigrationNoticeJob],
};
