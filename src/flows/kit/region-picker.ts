/**
 * A reusable step for conversations: choose a region (a village, or a coordinator's area)
 * from the official Kemendagri list, by typing its name or by browsing.
 *
 *   const picked = await pickRegion(conversation, ctx, {
 *     level: 4,                          // a village; or "coordinator-area" (regency, district or village)
 *     within: "32.02",                   // only inside this area (null/omitted: whole country)
 *     defaultCode: volunteer.area_code,  // offered first as "📍 Pakai <label>"
 *     prompt: ctx.t("onboarding.ask_village"),
 *   });
 *   if (picked.kind === "back") ...;     // the user tapped "Kembali"
 *   picked.value;                        // "32.02.11.2006"
 *   picked.label;                        // "Desa Warnajati — Kec. Cibadak, Kab. Sukabumi"
 *   picked.ctx;                          // the context of the answer: reply with it
 *
 * What the user can do:
 * - type a name (forgiving: case, punctuation, apostrophes, type words such as "kec"/"desa"
 *   and partial words do not matter): results come as buttons whose labels name the parents,
 *   so that places with the same name can be told apart; ⬅️/➡️ page through them; regencies
 *   and districts among the results (📂) open to browse inside them; "🔎 Cari lagi";
 * - tap "📋 Pilih dari daftar": province → regency → district → village, 8 per page, with
 *   "⬆️ Naik satu tingkat"; in "coordinator-area" mode "✅ Pilih seluruh …" chooses the
 *   regency or district shown;
 * - tap "📍 Pakai …" (when `defaultCode` is a valid choice) or "⬅️ Kembali".
 *
 * Only regions inside `within` are shown or accepted; a forged or stale button is refused.
 * When `within` is itself a village and a village is asked for, it is returned at once.
 * With `scope: "user"` only the user's work area is shown or accepted (see the option).
 * Callback data: "f:rg:<code>" choose, "f:ro:<code>" open, "f:rp:<offset>" page, "f:ru" up,
 * "f:rb" browse, "f:rs" search again, "f:rd" default, "f:rh" choose the region shown (≤ 20 bytes).
 *
 * Replay-safe: every database read goes through `withDb` and returns plain JSON.
 *
 * @module
 */
import { GrammyError, InlineKeyboard } from "grammy";
import { truncate } from "../../lib/text.js";
import { getRegionPath, listChildren, searchRegions } from "../../db/queries/regions.js";
import { formatRegionLabel, isWithinArea, normalizeRegionText, parentCode, regionLevel } from "../../domain/region-names.js";
import { BACK, ask, flowData, textOf, withDb, type Parsed } from "./ask.js";
import type { Convo, FlowContext } from "./types.js";
import { scopeOf, workAreaOf } from "../../domain/scope.js";
import { TEXT_LIMITS, tooLong } from "../../domain/limits.js";

/** The smaller of two nested areas, or not ok when they do not overlap (null = the whole country). */
function narrowArea(within: string | null, area: string): { ok: true; code: string } | { ok: false } {
  if (within === null || isWithinArea(within, area)) return { ok: true, code: within ?? area };
  if (isWithinArea(area, within)) return { ok: true, code: area };
  return { ok: false };
}

/** What to choose: a village (level 4), or a coordinator's area (a regency, district or village). */
export type PickLevel = 4 | "coordinator-area";

export interface PickRegionOptions {
  level: PickLevel;
  /** Only regions inside this area (and the area itself) — null or omitted: the whole country. */
  within?: string | null;
  /** `within` itself may not be chosen (e.g. a coordinator inviting coordinators below them). */
  strictlyInside?: boolean;
  /** Offered first as "📍 Pakai <label>" when it is a valid choice. */
  defaultCode?: string | null;
  /** The question, already translated (HTML), shown above the typing hint. */
  prompt: string;
  /** Show "⬅️ Kembali" (default true). */
  back?: boolean;
  /**
   * "user": only inside the user's work area (src/domain/scope.ts) — admins everywhere,
   * coordinators their area, volunteers their village (then that village is offered alone,
   * to confirm with one tap or go back). Combined with `within` when both are given. A user
   * with no work area is told so and gets `{ kind: "back" }`. Household registration and
   * editing use it, so that nobody can register (or probe for similar names) elsewhere.
   */
  scope?: "user";
}

export type PickResult =
  | { kind: "value"; value: string; label: string; ctx: FlowContext }
  | { kind: "back"; ctx: FlowContext };

/** Regions per page. */
export const PICKER_PAGE_SIZE = 8;

const D = {
  choose: "f:rg:",
  open: "f:ro:",
  page: "f:rp:",
  up: "f:ru",
  browse: "f:rb",
  search: "f:rs",
  useDefault: "f:rd",
  here: "f:rh",
} as const;

type Screen =
  | { kind: "start" }
  | { kind: "results"; query: string; offset: number }
  | { kind: "browse"; parent: string | null; offset: number };

interface Item {
  code: string;
  /** Button text. */
  text: string;
  /** Label returned when chosen. */
  label: string;
  open: boolean;
}

interface View {
  text: string;
  keyboard: InlineKeyboard;
  /** Callback data accepted on this screen, with what it leads to. */
  items: Record<string, Item>;
  /** Browse screens: the region shown (for "up" and "choose here"). */
  parent?: { code: string; label: string } | null;
  offset: number;
  total: number;
}

type Action = { type: "search"; query: string } | { type: "tap"; data: string };

/** The picker's state between updates (kept outside the replay log, see the loop). */
interface PickerState {
  screen: Screen;
  /** The screen's message was sent already (after a rewind it is not sent again). */
  shown: boolean;
  /** That message: only taps on its buttons count (a provisional id is replaced on the next read). */
  messageId?: number;
}

const STASH = Symbol("pendamping.region-picker");

/** Where the picker hands its state over a rewind: the update's outside context. */
function pickerStash(octx: object): { state?: PickerState } {
  const holder = octx as Record<symbol, { state?: PickerState } | undefined>;
  return (holder[STASH] ??= {});
}

function pages(total: number): number {
  return Math.max(1, Math.ceil(total / PICKER_PAGE_SIZE));
}

function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /not modified/i.test(err.description);
}

/** Edits the message that was tapped, or sends a new one (after typed text or when editing fails). */
/** Shows a screen (editing the tapped message when asked) and returns the message that shows it. */
async function show(via: FlowContext, edit: boolean, text: string, keyboard?: InlineKeyboard): Promise<{ message_id: number }> {
  const markup = keyboard ? { reply_markup: keyboard } : {};
  const tapped = via.callbackQuery?.message;
  if (edit && tapped) {
    try {
      await via.editMessageText(text, markup);
      return { message_id: tapped.message_id };
    } catch (err) {
      if (isNotModified(err)) return { message_id: tapped.message_id };
      if (!(err instanceof GrammyError)) throw err;
    }
  }
  const sent = await via.reply(text, markup);
  return { message_id: sent.message_id };
}

/**
 * Asks the user to choose a region. See the module documentation for the behaviour; returns
 * the code and its label, or `{ kind: "back" }`.
 */
export async function pickRegion(conversation: Convo, ctx: FlowContext, opts: PickRegionOptions): Promise<PickResult> {
  const t = ctx.t;
  let within = opts.within ?? null;
  if (opts.scope === "user") {
    const area = await withDb(conversation, async (_db, _deps, octx) => workAreaOf(scopeOf(octx.user)));
    const narrowed = area.kind === "everywhere" ? { ok: true as const, code: within } : area.kind === "within" ? narrowArea(within, area.code) : { ok: false as const };
    if (!narrowed.ok) {
      await ctx.reply(t("trust.no_work_area"));
      return { kind: "back", ctx };
    }
    within = narrowed.code;
  }
  const targetLevels = opts.level === 4 ? [4] : [2, 3, 4];
  const showBack = opts.back ?? true;
  /** Scope leaves exactly one village: it is offered alone (confirm or go back). */
  const onlyVillage = opts.scope === "user" && opts.level === 4 && within !== null && regionLevel(within) === 4;

  const selectable = (code: string): boolean => {
    const level = regionLevel(code);
    return (
      level !== null &&
      targetLevels.includes(level) &&
      isWithinArea(code, within) &&
      !(opts.strictlyInside === true && code === within)
    );
  };
  const openable = (code: string): boolean => {
    const level = regionLevel(code);
    return level !== null && level < 4 && isWithinArea(code, within);
  };

  // A village asked for inside a village: nothing to choose.
  if (!onlyVillage && within !== null && regionLevel(within) === 4 && selectable(within)) {
    const path = await withDb(conversation, (db) => getRegionPath(db, within));
    if (path.length > 0) return { kind: "value", value: within, label: formatRegionLabel(path), ctx };
  }

  const backRow = (kb: InlineKeyboard) => {
    if (showBack) kb.row().text(t("common.back"), BACK);
  };
  const pager = (kb: InlineKeyboard, offset: number, total: number) => {
    const prev = offset > 0;
    const next = offset + PICKER_PAGE_SIZE < total;
    if (!prev && !next) return;
    kb.row();
    if (prev) kb.text(t("common.prev_page"), `${D.page}${Math.max(0, offset - PICKER_PAGE_SIZE)}`);
    if (next) kb.text(t("common.next_page"), `${D.page}${offset + PICKER_PAGE_SIZE}`);
  };
  const typingHint = opts.level === 4 ? t("picker.type_hint_village") : t("picker.type_hint_area");

  async function build(screen: Screen): Promise<View> {
    const items: Record<string, Item> = {};
    const kb = new InlineKeyboard();
    const addItem = (item: Item) => {
      const data = `${item.open ? D.open : D.choose}${item.code}`;
      items[data] = item;
      kb.text(item.open ? `📂 ${item.text}` : item.text, data).row();
    };
    const navItem = (data: string, text: string, extra: Partial<Item> = {}) => {
      items[data] = { code: "", text, label: "", open: false, ...extra };
      return data;
    };

    if (screen.kind === "start" && onlyVillage && within !== null) {
      const path = await withDb(conversation, (db) => getRegionPath(db, within!));
      const label = formatRegionLabel(path);
      items[D.useDefault] = { code: within, text: label, label, open: false };
      kb.text(t("picker.use_default", { label }), D.useDefault).row();
      backRow(kb);
      return { text: `${opts.prompt}\n\n${t("trust.only_village", { label })}`, keyboard: kb, items, offset: 0, total: 0 };
    }

    if (screen.kind === "start") {
      const def = opts.defaultCode && selectable(opts.defaultCode) ? opts.defaultCode : null;
      const defPath = def ? await withDb(conversation, (db) => getRegionPath(db, def)) : [];
      if (def && defPath.length > 0) {
        const label = formatRegionLabel(defPath);
        items[D.useDefault] = { code: def, text: label, label, open: false };
        kb.text(t("picker.use_default", { label }), D.useDefault).row();
      }
      kb.text(t("picker.browse"), navItem(D.browse, ""));
      backRow(kb);
      return { text: `${opts.prompt}\n\n${typingHint}`, keyboard: kb, items, offset: 0, total: 0 };
    }

    if (screen.kind === "results") {
      const found = await withDb(conversation, async (db) => {
        const page = await searchRegions(db, screen.query, {
          levels: [2, 3, 4],
          within,
          limit: PICKER_PAGE_SIZE,
          offset: screen.offset,
        });
        return { total: page.total, hits: page.rows.map((r) => ({ code: r.code, label: r.label })) };
      });
      for (const hit of found.hits) {
        if (selectable(hit.code)) addItem({ code: hit.code, text: hit.label, label: hit.label, open: false });
        else if (openable(hit.code)) addItem({ code: hit.code, text: hit.label, label: hit.label, open: true });
      }
      for (let o = 0; o < found.total; o += PICKER_PAGE_SIZE) navItem(`${D.page}${o}`, "");
      pager(kb, screen.offset, found.total);
      kb.row().text(t("picker.search_again"), navItem(D.search, ""));
      if (!onlyVillage) kb.text(t("picker.browse"), navItem(D.browse, ""));
      backRow(kb);
      const text =
        found.total === 0
          ? t("picker.no_results", { query: screen.query })
          : t("picker.results", {
              query: screen.query,
              total: found.total,
              page: Math.floor(screen.offset / PICKER_PAGE_SIZE) + 1,
              pages: pages(found.total),
            });
      return { text, keyboard: kb, items, offset: screen.offset, total: found.total };
    }

    // Browse the children of `parent` (null: the provinces).
    const data = await withDb(conversation, async (db) => {
      const path = screen.parent === null ? [] : await getRegionPath(db, screen.parent);
      const page = await listChildren(db, screen.parent, { limit: PICKER_PAGE_SIZE, offset: screen.offset });
      return {
        parentLabel: path.length > 0 ? formatRegionLabel(path) : null,
        parentName: path.at(-1)?.display_name ?? null,
        total: page.total,
        children: page.rows.map((r) => ({ code: r.code, name: r.display_name, label: formatRegionLabel([...path, r]) })),
      };
    });
    const parent = screen.parent === null || data.parentLabel === null ? null : { code: screen.parent, label: data.parentLabel };
    if (parent && selectable(parent.code)) {
      kb.text(t("picker.choose_whole", { name: data.parentName ?? "" }), navItem(D.here, "", { code: parent.code, label: parent.label })).row();
    }
    for (const child of data.children) {
      if (selectable(child.code) && regionLevel(child.code) === 4) addItem({ code: child.code, text: child.name, label: child.label, open: false });
      else if (openable(child.code)) addItem({ code: child.code, text: child.name, label: child.label, open: true });
      else if (selectable(child.code)) addItem({ code: child.code, text: child.name, label: child.label, open: false });
    }
    for (let o = 0; o < data.total; o += PICKER_PAGE_SIZE) navItem(`${D.page}${o}`, "");
    pager(kb, screen.offset, data.total);
    kb.row();
    if (screen.parent !== null && screen.parent !== within) kb.text(t("picker.up"), navItem(D.up, ""));
    kb.text(t("picker.search_again"), navItem(D.search, ""));
    backRow(kb);
    const childLevel = screen.parent === null ? 1 : (regionLevel(screen.parent) ?? 0) + 1;
    const what = t(`picker.level_${childLevel}`);
    const pageLine = t("picker.page", { page: Math.floor(screen.offset / PICKER_PAGE_SIZE) + 1, pages: pages(data.total) });
    const text =
      parent === null
        ? `${opts.prompt}\n\n${t("picker.browse_top", { what })} ${pageLine}`
        : `${opts.prompt}\n\n${t("picker.browse_in", { place: parent.label, what })} ${pageLine}`;
    return { text, keyboard: kb, items, parent, offset: screen.offset, total: data.total };
  }

  const parse = (view: View) => (c: FlowContext): Parsed<Action> | undefined => {
    const data = flowData(c);
    if (data !== undefined) return data in view.items ? { ok: true, value: { type: "tap", data } } : undefined;
    const text = textOf(c);
    if (text === undefined) return undefined;
    if (tooLong(text, TEXT_LIMITS.regionSearch)) return { ok: false, error: c.t("trust.text_too_long", { max: TEXT_LIMITS.regionSearch }) };
    if (normalizeRegionText(text).replace(/ /g, "").length < 2) return { ok: false, error: c.t("picker.too_short") };
    return { ok: true, value: { type: "search", query: truncate(text, 100) } };
  };

  // Bounded state: the screen shown lives outside the replay log. After each move (a search,
  // a page, opening a region) the new screen is shown, handed to the outside context and the
  // log is rewound to the top of the loop, so the stored conversation holds one screen, not
  // every search ever typed (issue 11: 250 searches once made 1.29 MB of state).
  for (;;) {
    const top = conversation.checkpoint();
    const st: PickerState = (await conversation.external((octx) => (pickerStash(octx).state ?? null) as PickerState | null)) ?? {
      screen: { kind: "start" },
      shown: false,
    };
    const screen = st.screen;
    const view = await build(screen);
    const answer = await ask(conversation, {
      question: st.shown ? async () => (st.messageId === undefined ? undefined : { message_id: st.messageId }) : () => show(ctx, false, view.text, view.keyboard),
      parse: parse(view),
      hintKey: "picker.hint",
    });
    const leave = () =>
      conversation.external((octx) => {
        delete pickerStash(octx).state;
      });
    if (answer.kind === "back") {
      await leave();
      return { kind: "back", ctx: answer.ctx };
    }
    const via = answer.ctx;
    const action = answer.value;
    let next: Screen = screen;
    let edit = true;
    if (action.type === "search") {
      next = { kind: "results", query: action.query, offset: 0 };
      edit = false;
    } else {
      const data = action.data;
      const item = view.items[data];
      if (data.startsWith(D.choose) || data === D.useDefault || data === D.here) {
        if (item && selectable(item.code)) {
          await show(via, true, t("picker.chosen", { label: item.label }));
          await leave();
          return { kind: "value", value: item.code, label: item.label, ctx: via };
        }
      } else if (data.startsWith(D.open) && item) {
        next = { kind: "browse", parent: item.code, offset: 0 };
      } else if (data.startsWith(D.page)) {
        const offset = Number(data.slice(D.page.length));
        if (screen.kind === "results") next = { kind: "results", query: screen.query, offset };
        else if (screen.kind === "browse") next = { kind: "browse", parent: screen.parent, offset };
      } else if (data === D.up && screen.kind === "browse" && screen.parent !== null) {
        const up = parentCode(screen.parent);
        next = { kind: "browse", parent: up !== null && isWithinArea(up, within) ? up : within, offset: 0 };
      } else if (data === D.browse) {
        next = { kind: "browse", parent: within, offset: 0 };
      } else if (data === D.search) {
        next = { kind: "start" };
      }
    }
    let messageId = st.messageId ?? via.callbackQuery?.message?.message_id;
    if (next !== screen) {
      const shown = await build(next);
      messageId = (await show(via, edit, shown.text, shown.keyboard)).message_id;
    }
    const state: PickerState = { screen: next, shown: true, ...(messageId === undefined ? {} : { messageId }) };
    await conversation.external((octx) => {
      pickerStash(octx).state = state;
    });
    await conversation.rewind(top);
  }
}
