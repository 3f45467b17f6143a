import type { Composer } from "grammy";
import type { BotContext } from "./context.js";
import { startHandlers } from "./commands/start.js";
import { householdHandlers } from "./households/handlers.js";
import { onboardingHandlers } from "./onboarding/handlers.js";
import { pendingApprovalHandlers } from "./onboarding/pending.js";
import { beneficiaryHandlers } from "./beneficiary/index.js";
import { visitFeature } from "./visits/index.js";
import { coordinatorFeature } from "./coordinator/index.js";
import "./housekeeping.js";

/**
 * Feature handlers, installed after the flows (so that they can enter them) and before the
 * fallback. Each feature module exports one Composer; add it here.
 */
export const FEATURES: Composer<BotContext>[] = [startHandlers, householdHandlers, onboardingHandlers, pendingApprovalHandlers, beneficiaryHandlers, visitFeature, coordinatorFeature];

/**
 * Handlers that must run before a flow sees the update (commands that work inside any flow).
 * Keep this short: anything here is invisible to a running flow.
 */
export const BEFORE_FLOWS: Composer<BotContext>[] = [];
