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
 * Fields are non-negative integers (`name`), one of a few words (`name=x|h|a`), or, as the
 * last field only, free text (`name:text`, may contain ":"). An action whose name starts with
 * "_" has no action segment: `callbackCodec("st", { _pick: ["id"] })` encodes "st:42".
 * Encoding refuses anything that would not fit Telegram's 64-byte limit or would not decode
 * back to the same values; decoding refuses integers beyond 9 digits (ids) and words not
 * listed, so forged data never reaches a query as NaN, a huge number or an unknown kind.
 *
 * @module
 */
import type { BotContext } from "../bot/context.js";

type FieldSpec = string;
type Split<S extends string> = S extends `${infer A}|${infer B}` ? A | Split<B> : S;
type FieldName<F extends FieldSpec> = F extends `${infer N}:text` ? N : F extends `${infer N}=${string}` ? N : F;
type FieldValue<F extends FieldSpec> = F extends `${string}:text` ? string : F extends `${string}=${infer W}` ? Split<W> : number;

/** The values of one action's fields. */
export type CallbackValues<Fields extends readonly FieldSpec[]> = { [F in Fields[number] as FieldName<F>]: FieldValue<F> };

const MAX_BYTES = 64;
const INT = /^\d{1,9}$/;
const WORD = /^[a-z0-9_]{1,20}$/;

interface Field {
  name: string;
  kind: "int" | "text" | "word";
  words: readonly string[];
}

function fieldOf(spec: string): Field {
  if (spec.endsWith(":text")) return { name: spec.slice(0, -5), kind: "text", words: [] };
  const eq = spec.indexOf("=");
  if (eq < 0) return { name: spec, kind: "int", words: [] };
  const words = spec.slice(eq + 1).split("|");
  if (words.some((w) => !WORD.test(w))) throw new Error(`callback field ${spec}: words are lower-case letters, digits or _`);
  return { name: spec.slice(0, eq), kind: "word", words };
}

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
  const fieldsOf = new Map<string, Field[]>();
  for (const [action, specs] of Object.entries(actions)) {
    if (!/^(_[a-z0-9]{1,12}|[a-z0-9]{1,6})$/.test(action)) throw new Error(`callback action must be 1-6 letters or digits (or _name without a segment): ${action}`);
    specs.forEach((f, i) => {
      if (f.endsWith(":text") && i !== specs.length - 1) throw new Error(`${prefix}:${action}: a text field must come last`);
    });
    fieldsOf.set(action, specs.map(fieldOf));
  }
  const head = (action: string) => (action.startsWith("_") ? prefix : `${prefix}:${action}`);
  const patterns = new Map<string, RegExp>();
  for (const [action, fields] of fieldsOf) {
    const body = fields.map((f) => (f.kind === "text" ? ":(.*)" : f.kind === "word" ? `:(${f.words.join("|")})` : ":(\\d{1,9})")).join("");
    patterns.set(action, new RegExp(`^${escapeRegExp(head(action))}${body}$`, "s"));
  }
  return {
    prefix,
    encode(action, values) {
      const parts = fieldsOf.get(action)!.map((f) => {
        const v = (values as Record<string, unknown>)[f.name];
        if (f.kind === "text") {
          if (typeof v !== "string") throw new TypeError(`${head(action)}: ${f.name} must be text`);
          return v;
        }
        if (f.kind === "word") {
          if (typeof v !== "string" || !f.words.includes(v)) throw new TypeError(`${head(action)}: ${f.name} must be one of ${f.words.join(", ")}`);
          return v;
        }
        if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || !INT.test(String(v))) {
          throw new TypeError(`${head(action)}: ${f.name} must be a non-negative id`);
        }
        return String(v);
      });
      const data = [head(action), ...parts].join(":");
      if (Buffer.byteLength(data, "utf8") > MAX_BYTES) throw new RangeError(`${head(action)}: callback data over ${MAX_BYTES} bytes`);
      return data;
    },
    match(action) {
      return patterns.get(action)!;
    },
    parse(action, source) {
      const data = typeof source === "string" ? source : source?.callbackQuery?.data;
      if (typeof data !== "string") return undefined;
      const m = patterns.get(action)!.exec(data);
      if (!m) return undefined;
      const out: Record<string, string | number> = {};
      fieldsOf.get(action)!.forEach((f, i) => {
        const raw = m[i + 1] ?? "";
        out[f.name] = f.kind === "int" ? Number(raw) : raw;
      });
      return out as CallbackValues<A[typeof action]>;
    },
  };
}
