import type { Composer } from "grammy";
import type { BotContext } from "./context.js";
import type { FlowDefinition } from "../flows/index.js";
import type { JobDefinition, Ticker } from "./jobs.js";
import type { StartPayloadHandler } from "./commands/start.js";
import type { CardActionProvider } from "./card-actions.js";
import { housekeepingJob, housekeepingTicker } from "./housekeeping.js";
import { syncCommandsJob } from "./commands/menu.js";
import { householdsFeature } from "./households/index.js";
import { onboardingFeature } from "./onboarding/index.js";
import { beneficiaryFeature } from "./beneficiary/index.js";
import { visitFeature } from "./visits/index.js";
import { fieldworkFeature } from "./fieldwork/index.js";
import { coordinatorFeature } from "./coordinator/index.js";
import { trustFeature } from "./trust/index.js";
import { dashboardFeature } from "./dashboard/index.js";
import { dtsenFeature } from "./dtsen/index.js";
import { cekamanFeature } from "./cekaman/index.js";

/**
 * What one feature contributes to the app. `createBot` installs the flows and composers,
 * `createApp` hands the jobs and tickers to the worker; nothing registers itself at import,
 * so dropping a feature from {@link FEATURES} drops all of it, and two apps in one process
 * share nothing.
 */
export interface Feature {
  name: string;
  /** Handlers, installed after every flow (so they can enter flows) and before the fallback. */
  composer?: Composer<BotContext>;
  /** Conversations (their ids are persisted: never rename one without bumping FLOWS_VERSION). */
  flows?: FlowDefinition[];
  /** Background jobs this feature enqueues. */
  jobs?: JobDefinition<any>[];
  /** Periodic work, called on every poll of the job worker (must enqueue keyed jobs). */
  tickers?: Ticker[];
  /** Buttons this feature adds to the household card, in this order. */
  cardActions?: CardActionProvider[];
  /** `/start <prefix>…` deep-link handlers, by prefix. */
  startPayloads?: Record<string, StartPayloadHandler>;
}

/** Housekeeping that belongs to no feature: the command menu and hourly clean-up. */
const coreFeature: Feature = {
  name: "core",
  jobs: [syncCommandsJob, housekeepingJob],
  tickers: [housekeepingTicker],
};

/** Every feature of the bot, in the order their handlers are installed. */
export const FEATURES: readonly Feature[] = [coreFeature, householdsFeature, onboardingFeature, beneficiaryFeature, visitFeature, coordinatorFeature, trustFeature, dashboardFeature, dtsenFeature, fieldworkFeature, cekamanFeature];
