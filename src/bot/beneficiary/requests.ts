import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { isStaffFor } from "../access.js";
import type { Household } from "../../db/schema.js";
import {
  anonymizeHousehold,
  closeDataRequest,
  dsrTopic,
  getDataRequest,
  listOpenRequests,
  type DataRequest,
} from "../../db/queries/beneficiary/index.js";
import { findHousehold } from "../../db/queries/households.js";
import { formatRefCode } from "../../domain/refcode.js";
import { DSR_REJECT } from "../../flows/dsr-reject.js";
import { loadDsrNotice, renderDsrNotice } from "./dsr-notice.js";
import { DSR } from "../../ui/beneficiary/callback-data.js";
import { enterFlow } from "./self-service.js";
import { whenDelivered } from "../outbox.js";

/** Coordinators' side of data-subject requests: the list, and the buttons on each request. */
export const requestHandlers = new Composer<BotContext>();

const HOUR = 3600 * 1000;

/** "sisa 20 jam" / "lewat 5 jam" for a deadline. */
function timeLeft(ctx: BotContext, due: Date, now: Date): string {
  const ms = due.getTime() - now.getTime();
  const hours = Math.max(1, Math.ceil(Math.abs(ms) / HOUR));
  return ms >= 0 ? ctx.t("dsr.left", { count: hours }) : ctx.t("dsr.overdue", { count: hours });
}

guardedCommand(requestHandlers, "permintaan", async (ctx) => {
  const { rows, total } = await listOpenRequests(ctx.db, ctx.user!);
  if (rows.length === 0) {
    await ctx.reply(ctx.t("dsr.list_empty"));
    return;
  }
  const now = ctx.deps.now();
  const lines = [ctx.t("dsr.list_title", { count: total }), ""];
  const kb = new InlineKeyboard();
  for (const r of rows) {
    const overdue = r.dueAt.getTime() < now.getTime();
    lines.push(
      ctx.t("dsr.list_line", {
        mark: overdue ? "⚠️" : "•",
        id: r.id,
        kind: ctx.t(`dsr.kind_${r.kind}`),
        code: formatRefCode(r.refCode),
        left: timeLeft(ctx, r.dueAt, now),
      }),
    );
    kb.text(`#${r.id} ${ctx.t(`dsr.kind_${r.kind}`)}`, DSR.encode("view", { id: r.id })).row();
  }
  if (total > rows.length) lines.push("", ctx.t("dsr.list_more", { count: total - rows.length }));
  lines.push("", ctx.t("dsr.list_footer"));
  await ctx.reply(lines.join("\n"), { reply_markup: kb });
});

/**
 * The request and its household, when the user is staff of the household's area; otherwise
 * the tap is answered with a refusal. Runs on every tap (callback data can be forged).
 */
async function staffRequest(ctx: BotContext, id: number | undefined): Promise<{ request: DataRequest; household: Household } | undefined> {
  const request = id !== undefined ? await getDataRequest(ctx.db, id) : undefined;
  const household = request ? await findHousehold(ctx.db, request.household_id) : undefined;
  if (!request || !household || !isStaffFor(ctx.user, household)) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
    return undefined;
  }
  return { request, household };
}

async function answerClosed(ctx: BotContext, request: DataRequest): Promise<void> {
  await ctx.answerCallbackQuery({ text: ctx.t("dsr.already_closed", { id: request.id }).slice(0, 200), show_alert: true });
}

guardedCallback(requestHandlers, DSR.match("view"), "staff", async (ctx) => {
  const found = await staffRequest(ctx, DSR.parse("view", ctx)?.id);
  if (!found) return;
  await ctx.answerCallbackQuery();
  const data = await loadDsrNotice(ctx.db, ctx.deps.pii, found.request.id);
  if (!data) return;
  const notice = renderDsrNotice(ctx.t, ctx.locale, data);
  const msg = await ctx.reply(notice.text, notice.reply_markup ? { reply_markup: notice.reply_markup } : {});
  // Recorded with the others (with its real id, once it is out), so that it is updated when
  // someone acts on the request.
  const topic = dsrTopic(found.request.id);
  const userId = ctx.user!.id;
  await whenDelivered(ctx, msg, async (db, m) => {
    await db.insertInto("staff_notice").values({ topic, user_id: userId, chat_id: m.chat.id, message_id: m.message_id }).execute();
  });
});

guardedCallback(requestHandlers, DSR.match("ok"), "staff", async (ctx) => {
  const found = await staffRequest(ctx, DSR.parse("ok", ctx)?.id);
  if (!found) return;
  if (found.request.kind !== "correction" || found.request.status !== "open") return answerClosed(ctx, found.request);
  const closed = await closeDataRequest(ctx.db, { requestId: found.request.id, outcome: "resolved", by: ctx.user!.id, note: null, now: ctx.deps.now() });
  if (!closed) return answerClosed(ctx, found.request);
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("dsr.resolved_done", { id: closed.id }));
});

guardedCallback(requestHandlers, DSR.match("no"), "staff", async (ctx) => {
  const found = await staffRequest(ctx, DSR.parse("no", ctx)?.id);
  if (!found) return;
  if (found.request.status !== "open" || found.request.kind === "access") return answerClosed(ctx, found.request);
  await ctx.answerCallbackQuery();
  await enterFlow(ctx, DSR_REJECT, found.request.id);
});

guardedCallback(requestHandlers, DSR.match("del"), "staff", async (ctx) => {
  const found = await staffRequest(ctx, DSR.parse("del", ctx)?.id);
  if (!found) return;
  if (found.request.kind !== "deletion" || found.request.status !== "open") return answerClosed(ctx, found.request);
  await ctx.answerCallbackQuery();
  await ctx.reply(
    ctx.t("dsr.erase_confirm", { id: found.request.id, code: formatRefCode(found.household.ref_code), name: found.household.head_name }),
    {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("dsr.btn_erase_yes"), DSR.encode("delok", { id: found.request.id }))
        .row()
        .text(ctx.t("dsr.btn_erase_no"), DSR.encode("delno", { id: found.request.id })),
    },
  );
});

guardedCallback(requestHandlers, DSR.match("delok"), "staff", async (ctx) => {
  const found = await staffRequest(ctx, DSR.parse("delok", ctx)?.id);
  if (!found) return;
  const { request, household } = found;
  if (request.kind !== "deletion" || request.status !== "open") return answerClosed(ctx, request);
  const now = ctx.deps.now();
  const closed = await closeDataRequest(ctx.db, { requestId: request.id, outcome: "resolved", by: ctx.user!.id, note: null, now });
  if (!closed) return answerClosed(ctx, request);
  await anonymizeHousehold(ctx.db, { householdId: household.id, by: ctx.user!.id, now, requestId: request.id });
  await ctx.answerCallbackQuery();
  // The confirmation showed the name: replace it.
  await ctx.editMessageText(ctx.t("dsr.erased_done", { id: request.id, code: formatRefCode(household.ref_code) })).catch(() => undefined);
});

guardedCallback(requestHandlers, DSR.match("delno"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("dsr.erase_cancelled")).catch(() => undefined);
});
