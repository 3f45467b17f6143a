import type { Household } from "../db/schema.js";
import type { BotContext } from "./context.js";

/** A button on a household card. `data` must be ≤ 64 bytes and carry the household id. */
export interface CardAction {
  label: string;
  data: string;
}

/**
 * What a feature adds to the household card (report a visit, history, change status…), given
 * through `Feature.cardActions` and assembled by `createBot` in the order of the features. A
 * provider returns nothing when the viewer may not use its actions; the handler behind each
 * button checks access again (callback data can be forged).
 */
export type CardActionProvider = (ctx: BotContext, household: Household) => CardAction[] | Promise<CardAction[]>;
