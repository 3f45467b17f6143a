import type { Household, User } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import { proposalCapacities } from "../../domain/dtsen.js";
import { encodeDtsen } from "../../ui/dtsen/callback.js";

/**
 * The household card's "📝 Usulan DTSEN" button, for whoever may work with the household
 * (its volunteer, staff of its area). The handler checks it all again on the tap.
 */
export function dtsenCardButton(ctx: { user: User | undefined; t: TFunction }, household: Household): { label: string; data: string }[] {
  if (proposalCapacities(ctx.user, household).length === 0) return [];
  return [{ label: ctx.t("dtsen.card_button"), data: encodeDtsen({ a: "house", householdId: household.id }) }];
}
