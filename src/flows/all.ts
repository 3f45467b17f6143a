import type { FlowDefinition } from "./index.js";
import { householdRegistrationFlow } from "./household-registration.js";
import { householdEditFlow } from "./household-edit.js";
import { onboardingFlows } from "./onboarding/index.js";

/** Every flow of the bot (ids are persisted: never rename one without bumping FLOWS_VERSION). */
export const ALL_FLOWS: FlowDefinition[] = [householdRegistrationFlow, householdEditFlow, ...onboardingFlows];
