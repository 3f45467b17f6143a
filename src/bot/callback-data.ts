/**
 * Typed callback data: one codec per feature, instead of hand-written regexes and
 * `Number(ctx.match[1])` at every handler.
 *
 *   const hh = callbackCodec("hh", { open: ["id"], list: ["page", "q:text"] });
 *   hh.encode("open", { id: 42 })            // "hh:open:42"
 *   guardedCallback(composer, hh.match("open"), "volunteer", async (ctx) => {
 *     const { id } = hh.parse("open", ctx);   // { id: 42 }, or undefined when forged
 *   });
 *
 * Fields are non-negative integers (`name`) or, as the last field only, free text
 * (`name:text`, may contain ":"). Encoding refuses anything that would not fit Telegram's
 * 64-byte limit or would not decode back to the same values; decoding refuses integers
 * beyond 9 digits (ids), so forged data never reaches a query as NaN or a huge number.
 *
 * @module
 */
import type { BotContext } from "./context.js";

type FieldSpec = string;
type FieldName<F extends FieldSpec> = F extends `${infer N}:text` ? N : F;
type FieldValue<F extends FieldSpec> = F extends `${string}:text` ? string : number;

/** The values of one action's fields. */
export type CallbackValues<Fields extends readonly FieldSpec[]> = { [F in Fields[number] as FieldName<F>]: FieldValue<F> };

const MAX_BYTES = 64;
const INT = /^\d{1,9}$/;

export interface CallbackCodec<A extends Record<string, readonly FieldSpec[]>> {
  readonly prefix: string;
  /** The callback data for an action with its values. Throws when it does not fit. */
  encode<K extends keyof A & string>(action: K, values: CallbackValues<A[K]>): string;
  /** The trigger for `bot.callbackQuery` / `guardedCallback` that matches exactly this action. */
  match<K extends keyof A & string>(action: K): RegExp;
  /** The values of a tap on this action, or undefined when the data is not well-formed. */
  parse<K extends keyof A & string>(action: K, ctx: Pick<BotContext, "callbackQuery"> | string | undefined): CallbackValues<A[K]> | undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function callbackCodec<const A extends Record<string, readonly FieldSpec[]>>(prefix: string, actions: A): CallbackCodec<A> {
  if (!/^[a-z]{1,4}$/.test(prefix)) throw new Error(`callback prefix must be 1-4 lower-case letters: ${prefix}`);
  for (const [action, fields] of Object.entries(actions)) {
    if (!/^[a-z0-9]{1,6}$/.test(action)) throw new Error(`callback action must be 1-6 letters or digits: ${action}`);
    fields.forEach((f, i) => {
      if (f.endsWith(":text") && i !== fields.length - 1) throw new Error(`${prefix}:${action}: a text field must come last`);
    });
  }
  const head = (action: string) => `${prefix}:${action}`;
  return {
    prefix,
    encode(action, values) {
      const fields = actions[action]!;
      const parts = fields.map((f) => {
        const name = f.replace(/:text$/, "");
        const v = (values as Record<string, unknown>)[name];
        if (f.endsWith(":text")) {
          if (typeof v !== "string") throw new TypeError(`${head(action)}: ${name} must be text`);
          return v;
        }
        if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || !INT.test(String(v))) {
          throw new TypeError(`${head(action)}: ${name} must be a non-negative id`);
        }
        return String(v);
      });
      const data = [head(action), ...parts].join(":");
      if (Buffer.byteLength(data, "utf8") > MAX_BYTES) throw new RangeError(`${head(action)}: callback data over ${MAX_BYTES} bytes`);
      return data;
    },
    match(action) {
      const fields = actions[action]!;
      const body = fields.map((f) => (f.endsWith(":text") ? ":(.*)" : ":(\\d{1,9})")).join("");
      return new RegExp(`^${escapeRegExp(head(action))}${body}$`, "s");
    },
    parse(action, source) {
      const data = typeof source === "string" ? source : source?.callbackQuery?.data;
      if (typeof data !== "string") return undefined;
      const m = this.match(action).exec(data);
      if (!m) return undefined;
      const fields = actions[action]!;
      const out: Record<string, string | number> = {};
      fields.forEach((f, i) => {
        const raw = m[i + 1] ?? "";
        if (f.endsWith(":text")) out[f.slice(0, -5)] = raw;
        else out[f] = Number(raw);
      });
      return out as CallbackValues<A[typeof action]>;
    },
  };
}
