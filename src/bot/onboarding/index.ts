import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Feature } from "../features.js";
import { onboardingFlows } from "../../flows/onboarding/index.js";
import { INVITE_PAYLOAD_PREFIX } from "../../domain/onboarding.js";
import { inviteStartPayload, onboardingHandlers } from "./handlers.js";
import { pendingApprovalHandlers } from "./pending.js";
import { applicationNotifyJob, applicationUnreachedJob, approvalRetryTicker, inviteJoinedJob } from "./jobs.js";

/** Volunteer onboarding: registration, approval, invites, profile, /persetujuan. */
export const onboardingFeature: Feature = {
  name: "onboarding",
  composer: new Composer<BotContext>(onboardingHandlers, pendingApprovalHandlers),
  flows: onboardingFlows,
  jobs: [applicationNotifyJob, inviteJoinedJob, applicationUnreachedJob],
  tickers: [approvalRetryTicker],
  startPayloads: { [INVITE_PAYLOAD_PREFIX]: inviteStartPayload },
};
