import type { Answer } from "./ask.js";
import { askQuestion } from "./form.js";
import { choice, multi, type Option } from "./questions.js";
import type { Convo, FlowContext } from "./types.js";

/** An option of {@link askChoice} / {@link askMulti}. */
export type ChoiceOption<T> = Option<T>;

/**
 * One choice from buttons, asked on its own (outside a form). Typing the label (or its
 * number) works too. Only the buttons of this question's message count.
 */
export async function askChoice<T>(
  conversation: Convo,
  ctx: FlowContext,
  opts: { text: string; options: ChoiceOption<T>[]; back?: boolean; columns?: number },
): Promise<Answer<T>> {
  return askQuestion(conversation, ctx, choice(ctx, opts));
}

/**
 * Several choices from toggle buttons (paged when long), confirmed with a "done" button,
 * asked on its own. `exclusive` values clear every other choice (e.g. "none"); `min` is
 * enforced with a friendly message. The question message is edited in place.
 */
export async function askMulti<T>(
  conversation: Convo,
  ctx: FlowContext,
  opts: {
    text: string;
    options: ChoiceOption<T>[];
    initial?: T[];
    min?: number;
    exclusive?: T[];
    minMessage?: string;
  },
): Promise<Answer<T[]>> {
  return askQuestion(conversation, ctx, multi(ctx, { ...opts, current: opts.initial }));
}
