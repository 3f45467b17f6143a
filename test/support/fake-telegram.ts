/**
 * The tests' fake Telegram: the shared fake Bot API (src/dev/fake-bot-api/, also used by the
 * simulator) with every call validated against the Bot API description
 * (`bot-api-spec.ts`) and the test bot's identity by default:
 *
 *   const fake = createFakeTelegram();
 *   const bot = new Bot("123:TEST", { botInfo, client: { fetch: fake.fetch } });
 *
 * See src/dev/fake-bot-api/index.ts for what the fake models and records.
 */
import { createFakeBotApi, type BotApiChecks, type FakeBotApiOptions } from "../../src/dev/fake-bot-api/index.js";
import { botInfo as defaultBotInfo } from "./bot-info.js";
import { getMethodSpec, validateCall } from "./bot-api-spec.js";

export {
  parseMultipart,
  type ApiResponse,
  type ChatEvent,
  type FakeCall,
  type Responder,
  type StoredFile,
  type UploadedFile,
  type Violation,
} from "../../src/dev/fake-bot-api/index.js";

export interface FakeTelegramOptions extends Omit<FakeBotApiOptions, "botInfo" | "checks"> {
  /** getMe result and `from` of bot messages. Default: the fixture in bot-info.ts. */
  botInfo?: FakeBotApiOptions["botInfo"];
}

/** Checks every call against the published Bot API description. */
export const BOT_API_SPEC_CHECKS: BotApiChecks = {
  validate: (method, payload) => validateCall(method, payload),
  hasMethod: (method) => getMethodSpec(method) !== undefined,
  fieldTypes: (method, field) => getMethodSpec(method)?.fields?.find((f) => f.name === field)?.types,
};

/** Creates a fake Bot API for a test. Pass `fake.fetch` as grammY's `client.fetch`. */
export function createFakeTelegram(opts: FakeTelegramOptions = {}) {
  return createFakeBotApi({ ...opts, botInfo: opts.botInfo ?? defaultBotInfo, checks: BOT_API_SPEC_CHECKS });
}

export type FakeTelegram = ReturnType<typeof createFakeTelegram>;
