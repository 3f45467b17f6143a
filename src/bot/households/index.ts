import type { Feature } from "../features.js";
import { householdEditFlow } from "../../flows/household-edit.js";
import { householdRegistrationFlow } from "../../flows/household-registration.js";
import { draftExpiryJob, draftExpiryTicker, editCardAction, householdHandlers } from "./handlers.js";

/** Households: /daftar registration, /keluarga list and cards, editing, draft expiry. */
export const householdsFeature: Feature = {
  name: "households",
  composer: householdHandlers,
  cardActions: [editCardAction],
  flows: [householdRegistrationFlow, householdEditFlow],
  jobs: [draftExpiryJob],
  tickers: [draftExpiryTicker],
};
