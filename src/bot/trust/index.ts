import type { Feature } from "../features.js";
import { duplicateNoticeJob } from "./duplicates.js";

/**
 * Trust (issue 11): what keeps data inside each user's scope beyond single features — the
 * notice to both areas' coordinators about a duplicate outside the user's scope. (The scope
 * itself is src/domain/scope.ts; private-chat-only commands and buttons are enforced in
 * src/bot/commands/registry.ts; the family PIN lives with the status check in
 * src/bot/beneficiary.)
 */
export const trustFeature: Feature = {
  name: "trust",
  jobs: [duplicateNoticeJob],
};
