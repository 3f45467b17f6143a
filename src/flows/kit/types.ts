import type { Conversation } from "@grammyjs/conversations";
import type { BotContext, FlowContext } from "../../bot/context.js";

export type Convo = Conversation<BotContext, FlowContext>;
export type { BotContext, FlowContext };
