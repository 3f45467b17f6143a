import type { FlowDefinition } from "../index.js";
import { INVITE_FLOW, inviteFlow } from "./invite.js";
import { PROFILE_FLOW, profileFlow } from "./profile.js";
import { REGISTER_FLOW, registerFlow } from "./register.js";
import { REJECT_FLOW, rejectFlow } from "./reject.js";

export { INVITE_FLOW, PROFILE_FLOW, REGISTER_FLOW, REJECT_FLOW };

/** The onboarding conversations (ids are persisted). */
export const onboardingFlows: FlowDefinition[] = [
  { id: REGISTER_FLOW, builder: registerFlow },
  { id: REJECT_FLOW, builder: rejectFlow },
  { id: INVITE_FLOW, builder: inviteFlow },
  { id: PROFILE_FLOW, builder: profileFlow },
];
