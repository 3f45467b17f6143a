import { z } from "zod";
import { Composer, InlineKeyboard } from "grammy";
import { sql } from "kysely";
import { enterFlowFromButton } from "../flow-entry.js";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { canViewHousehold } from "../access.js";
import { findVisibleHousehold, visibleTo } from "../../db/queries/households.js";
import { audit } from "../../db/queries/audit.js";
import { formatRefCode, normalizeRefCode } from "../../domain/refcode.js";
import { normalizePersonName } from "../../domain/names.js";
import { formatDateId, localDateOf } from "../../domain/dates.js";
import { regionTimezones } from "../../db/queries/regions.js";
import { HOUSEHOLD_REGISTRATION } from "../../flows/household-registration.js";
import { HOUSEHOLD_EDIT } from "../../flows/household-edit.js";
import { renderHouseholdCard } from "./card.js";
import type { CardActionProvider } from "../card-actions.js";
import { defineJob, type Ticker } from "../jobs.js";
import { isLocale } from "../../i18n.js";
import { HH } from "../../ui/households/callback-data.js";

export const householdHandlers = new Composer<BotContext>();

const PAGE_SIZE = 8;

/** The card's own action: edit (the assigned volunteer and the area's staff). */
/** The card's "Ubah data" button. */
export const editCardAction: CardActionProvider = (ctx, h) =>
  canViewHousehold(ctx.user, h) && !h.anonymized_at ? [{ label: ctx.t("keluarga.action_edit"), data: HH.encode("edit", { id: h.id }) }] : [];

guardedCommand(householdHandlers, "daftar", async (ctx) => {
  await ctx.conversation.enter(HOUSEHOLD_REGISTRATION);
});

/** One page of the households this user may see, newest first, optionally filtered. */
async function showList(ctx: BotContext, page: number, query: string, edit: boolean): Promise<void> {
  const user = ctx.user!;
  let q = ctx.db.selectFrom("households").where(visibleTo(user));
  const code = query ? normalizeRefCode(query) : null;
  if (query) {
    const norm = normalizePersonName(query);
    q = q.where((eb) =>
      eb.or([
        ...(code ? [eb("ref_code", "=", code)] : []),
        eb("head_name_norm", "like", `%${norm.replace(/[%_]/g, "")}%`),
      ]),
    );
  }
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const rows = await q
    .select(["id", "ref_code", "head_name", "status", "last_visit_at", "anonymized_at", "village_code"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(PAGE_SIZE)
    .offset(p * PAGE_SIZE)
    .execute();
  if (total === 0) {
    const text = query ? ctx.t("keluarga.none_found", { query }) : ctx.t(ctx.user?.role === "volunteer" ? "keluarga.none_yet" : "keluarga.none_area");
    if (edit) await ctx.editMessageText(text).catch(() => undefined);
    else await ctx.reply(text);
    return;
  }
  const zones = await regionTimezones(ctx.db, rows.map((r) => r.village_code));
  const lines = rows.map((r, i) =>
    ctx.t("keluarga.item", {
      n: p * PAGE_SIZE + i + 1,
      code: formatRefCode(r.ref_code),
      name: r.head_name,
      status: ctx.t(`vocab.status.${r.status}`),
      last: r.last_visit_at ? formatDateId(localDateOf(r.last_visit_at, zones.get(r.village_code)), ctx.locale) : ctx.t("keluarga.never_visited"),
    }),
  );
  const header = query ? ctx.t("keluarga.search_header", { query, total }) : ctx.t("keluarga.header", { total });
  const kb = new InlineKeyboard();
  rows.forEach((r, i) => {
    kb.text(`${p * PAGE_SIZE + i + 1}. ${formatRefCode(r.ref_code)}`, HH.encode("open", { id: r.id }));
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  const q40 = Buffer.from(query, "utf8").subarray(0, 30).toString("utf8").replace(/:/g, " ");
  if (p > 0) kb.text(ctx.t("common.prev_page"), HH.encode("list", { page: p - 1, q: q40 }));
  if (p < pages - 1) kb.text(ctx.t("common.next_page"), HH.encode("list", { page: p + 1, q: q40 }));
  kb.row().text(ctx.t("keluarga.search_button"), HH.encode("search", {}));
  const text = `${header}\n\n${lines.join("\n")}\n\n${ctx.t("common.page", { page: p + 1, pages })}`;
  if (edit) await ctx.editMessageText(text, { reply_markup: kb }).catch(() => undefined);
  else await ctx.reply(text, { reply_markup: kb });
}

guardedCommand(householdHandlers, "keluarga", async (ctx) => {
  const query = typeof ctx.match === "string" ? ctx.match.trim().slice(0, 60) : "";
  await showList(ctx, 0, query, false);
});

guardedCallback(householdHandlers, HH.match("list"), "volunteer", async (ctx) => {
  const tap = HH.parse("list", ctx);
  await ctx.answerCallbackQuery();
  await showList(ctx, tap?.page ?? 0, tap?.q.trim() ?? "", true);
});

guardedCallback(householdHandlers, HH.match("search"), "volunteer", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("keluarga.search_how"));
});

guardedCallback(householdHandlers, HH.match("open"), "volunteer", async (ctx) => {
  const tap = HH.parse("open", ctx);
  const household = tap ? await findVisibleHousehold(ctx.db, ctx.user!, tap.id) : undefined;
  if (!household) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours"), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await audit(ctx.db, { actorId: ctx.user!.id, action: "household.viewed", entity: "household", entityId: household.id });
  const card = await renderHouseholdCard(ctx, household);
  await ctx.reply(card.text, { reply_markup: card.reply_markup });
});

guardedCallback(householdHandlers, HH.match("edit"), "volunteer", async (ctx) => {
  const tap = HH.parse("edit", ctx);
  const household = tap ? await findVisibleHousehold(ctx.db, ctx.user!, tap.id) : undefined;
  if (!household || household.anonymized_at) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours"), show_alert: true });
    return;
  }
  await enterFlowFromButton(ctx, HOUSEHOLD_EDIT, household.id);
});

/** Which command restarts a flow, for the expiry message. */
const EXPIRY_MESSAGES: Record<string, string> = { [HOUSEHOLD_REGISTRATION]: "daftar.expired" };

/**
 * Drafts (unfinished conversations) untouched for DRAFT_EXPIRY_DAYS are deleted and the
 * person is told. Runs hourly as a keyed job, so restarts and several processes are safe.
 */
export const draftExpiryJob = defineJob("draft-expiry", z.object({}), async ({ deps, api, log }) => {
  const cutoff = new Date(deps.now().getTime() - deps.config.DRAFT_EXPIRY_DAYS * 24 * 3600 * 1000);
  const candidates = await deps.db.selectFrom("conversation_state").select("key").where("updated_at", "<", cutoff).execute();
  let expired = 0;
  for (const { key } of candidates) {
    const chatId = Number(key.replace(/^conv:/, ""));
    if (!Number.isSafeInteger(chatId)) continue;
    // Under the chat's lock (as an update would take it), and only if still untouched.
    const row = await deps.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`chat:${chatId}`}::text, 0))`.execute(trx);
      return trx.deleteFrom("conversation_state").where("key", "=", key).where("updated_at", "<", cutoff).returning("state").executeTakeFirst();
    });
    if (!row) continue;
    expired++;
    const ids = Object.keys(((row.state as { state?: Record<string, unknown> })?.state ?? {}) as Record<string, unknown>);
    const messageKey = ids.map((id) => EXPIRY_MESSAGES[id]).find(Boolean);
    if (!messageKey) continue;
    const user = await deps.db.selectFrom("users").select("locale").where("telegram_id", "=", chatId).executeTakeFirst();
    const t = deps.i18n.t(user && isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
    try {
      await api.sendMessage(chatId, t(messageKey, { days: deps.config.DRAFT_EXPIRY_DAYS }), { parse_mode: "HTML" });
    } catch (err) {
      log.warn({ err: (err as Error).message }, "could not tell about an expired draft");
    }
  }
  if (expired > 0) log.info({ expired }, "expired drafts removed");
});

/** Looks for expired drafts once per hour. */
export const draftExpiryTicker: Ticker = async (deps, memo) => {
  const key = `draft-expiry:${deps.now().toISOString().slice(0, 13)}`;
  if (memo.has(key)) return;
  await deps.jobs.enqueue(deps.db, "draft-expiry", {}, { key });
  memo.add(key);
};
