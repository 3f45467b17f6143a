import type { FlowDefinition } from "./index.js";
import { householdRegistrationFlow } from "./household-registration.js";
import { householdEditFlow } from "./household-edit.js";
import { onboardingFlows } from "./onboarding/index.js";
import { statusCheckFlow } from "./status-check.js";
import { dataCorrectionFlow } from "./data-correction.js";
import { statusChangeFlow } from "./status-change.js";
import { dsrRejectFlow } from "./dsr-reject.js";
import { visitReportFlow } from "./visit-report.js";
import { alertResolveFlow } from "./alert-resolve.js";
import { coordinatorFlows } from "./coordinator/index.js";

/** Every flow of the bot (ids are persisted: never rename one without bumping FLOWS_VERSION). */
export const ALL_FLOWS: FlowDefinition[] = [householdRegistrationFlow, householdEditFlow, ...onboardingFlows, statusCheckFlow, dataCorrectionFlow, statusChangeFlow, dsrRejectFlow, visitReportFlow, alertResolveFlow, ...coordinatorFlows];
