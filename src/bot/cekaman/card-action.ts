import type { Household } from "../../db/schema.js";
import type { BotContext } from "../context.js";
import type { CardAction } from "../card-actions.js";
import { isPriorityFlagged } from "../../db/queries/cekaman.js";
import { canViewHousehold } from "../../domain/access.js";
import { encodeCa } from "../../ui/cekaman/callback-data.js";

/**
 * The household card's "prioritas bencana" button (Cek Aman's manual priority group): for
 * the household's volunteer and the area's staff; its label shows whether the flag is set.
 * The tap is checked again in handlers.ts.
 */
export async function cekamanCardActions(ctx: BotContext, h: Household): Promise<CardAction[]> {
  if (h.anonymized_at || !canViewHousehold(ctx.user, h)) return [];
  const on = await isPriorityFlagged(ctx.db, h.id);
  return [{ label: ctx.t(on ? "cekaman.card_priority_on" : "cekaman.card_priority_off"), data: encodeCa({ a: "priority", householdId: h.id }) }];
}
