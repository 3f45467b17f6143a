import type { Context } from "grammy";
import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Kysely } from "kysely";
import type { Config, Locale } from "../config.js";
import type { Db, Database, User } from "../db/schema.js";
import type { I18n, TFunction } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { PiiCrypto } from "../pii.js";
import type { Jobs } from "./jobs-port.js";
import type { CardActionProvider } from "./card-actions.js";

/** Everything the bot needs from outside; built in main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  /** The root database; handlers use `ctx.db` (the update's transaction) instead. */
  db: Kysely<Database>;
  i18n: I18n;
  logger: Logger;
  pii: PiiCrypto;
  /** Current time; tests may pin it. */
  now: () => Date;
  /** Background work (alerts fan-out, broadcasts, exports). */
  jobs: Jobs;
}

/** What our middleware adds to every outside context. */
export interface AppFlavor {
  deps: AppDeps;
  /** Per-update child logger (update id only: no personal data). */
  log: Logger;
  /** The update's transaction: every read and write of this update goes through it. */
  db: Db;
  /** The sender's account, when they have one. */
  user: User | undefined;
  locale: Locale;
  t: TFunction;
  /** The household card's buttons, from every feature (`Feature.cardActions`). */
  cardActions: readonly CardActionProvider[];
  /** Set when a stored conversation was dropped because the flows changed in a deploy. */
  staleFlow?: boolean;
}

/** Outside context: the one handlers see. */
export type BotContext = ConversationFlavor<Context & AppFlavor>;

/** Inside context: the one conversation builders see (never the same type as the outside one). */
export type FlowContext = Context & { t: TFunction; locale: Locale };
