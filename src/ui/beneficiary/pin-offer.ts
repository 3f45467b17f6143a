import { InlineKeyboard } from "grammy";
import type { TFunction } from "../../i18n.js";
import { formatRefCode } from "../../domain/refcode.js";
import { PIN } from "./callback-data.js";

/**
 * The message sent right after a household is saved (registration): the family's PIN is the
 * last step. The button issues it (outside the flow: the PIN never enters conversation state).
 */
export function pinOfferMessage(t: TFunction, householdId: number, refCode: string): { text: string; reply_markup: InlineKeyboard } {
  return {
    text: t("trust.pin_offer", { code: formatRefCode(refCode) }),
    reply_markup: new InlineKeyboard().text(t("trust.btn_pin_first"), PIN.encode("_start", { id: householdId })),
  };
}
