import { Composer, GrammyError, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import type { Household } from "../../db/schema.js";
import {
  BENEFICIARY_JOBS,
  createDataRequest,
  loadHouseholdData,
  loadStatusView,
  openRequestOf,
  subscribe,
  unsubscribe,
  verifiedHousehold,
  type HouseholdData,
} from "../../db/queries/beneficiary/index.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { audit } from "../../db/queries/audit.js";
import { regionLabel } from "../../db/queries/regions.js";
import { formatDateId } from "../../domain/dates.js";
import { formatRefCode, normalizeRefCode } from "../../domain/refcode.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { SESSION_MS } from "../../domain/status-check.js";
import { ACCESS_COPY_TTL_MS } from "../../domain/data-requests.js";
import { escapeHtml } from "../../lib/html.js";
import { STATUS_CHECK } from "../../flows/status-check.js";
import { DATA_CORRECTION } from "../../flows/data-correction.js";
import { formatDateTime, localIsoDate, renderStatusCard } from "../../ui/beneficiary/status-card.js";
import { BS } from "../../ui/beneficiary/callback-data.js";
import { whenDelivered } from "../outbox.js";

export { ACCESS_COPY_TTL_MS };

/** Telegram's limit is 4096 characters; stay below it. */
const MAX_MESSAGE = 3900;

export const selfServiceHandlers = new Composer<BotContext>();

/**
 * Enters a flow unless the person is in the middle of another one (which would lose what they
 * typed); a stale copy of the same flow is restarted.
 */
export async function enterFlow(ctx: BotContext, id: string, ...args: unknown[]): Promise<boolean> {
  const active = Object.keys(ctx.conversation.active());
  if (active.some((a) => a !== id)) {
    await ctx.reply(ctx.t("beneficiary.other_flow_active"));
    return false;
  }
  if (active.includes(id)) await ctx.conversation.exit(id);
  await ctx.conversation.enter(id, ...args);
  return true;
}

async function startCheck(ctx: BotContext, code?: string): Promise<void> {
  if (ctx.chat?.type !== "private") {
    await ctx.reply(ctx.t("beneficiary.private_only"));
    return;
  }
  await (code === undefined ? enterFlow(ctx, STATUS_CHECK) : enterFlow(ctx, STATUS_CHECK, code));
}

guardedCommand(selfServiceHandlers, "status", async (ctx) => {
  // "/status K7-3QX9D" goes straight to the PIN question.
  const arg = typeof ctx.match === "string" ? normalizeRefCode(ctx.match) : null;
  await startCheck(ctx, arg ?? undefined);
});

guardedCallback(selfServiceHandlers, "start:status", "anyone", async (ctx) => {
  await ctx.answerCallbackQuery();
  await startCheck(ctx);
});

guardedCallback(selfServiceHandlers, BS.match("retry"), "anyone", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  await startCheck(ctx);
});

// A household code typed on its own, outside any flow (people do that after reading the slip):
// the check starts with it and asks for the PIN.
selfServiceHandlers.chatType("private").on("message:text", async (ctx, next) => {
  const text = ctx.message.text.trim();
  const code = text.length <= 12 && !text.startsWith("/") ? normalizeRefCode(text) : null;
  if (code === null) return next();
  await startCheck(ctx, code);
});

/**
 * The household behind a status-card button, when this chat verified that very household and
 * the session is live; otherwise the tap is answered and nothing else happens (callback data
 * can be forged: the id in it only selects among the chat's own sessions).
 */
async function sessionHousehold(ctx: BotContext, id: number | undefined): Promise<Household | undefined> {
  const chat = ctx.chat;
  const household = chat?.type === "private" && id !== undefined ? await verifiedHousehold(ctx.db, chat.id, id, ctx.deps.now()) : undefined;
  if (!household) {
    await ctx.answerCallbackQuery({ text: ctx.t("beneficiary.session_expired").slice(0, 200), show_alert: true });
    return undefined;
  }
  return household;
}

/** Redraws the status card the button was on (after subscribing or stopping). */
async function redrawCard(ctx: BotContext, householdId: number): Promise<void> {
  const view = await loadStatusView(ctx.db, householdId, ctx.chat!.id);
  if (!view) return;
  const card = renderStatusCard(ctx.t, ctx.locale, view);
  await ctx.editMessageText(card.text, { reply_markup: card.reply_markup }).catch((err) => {
    if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
  });
}

guardedCallback(selfServiceHandlers, BS.match("sub"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("sub", ctx)?.id);
  if (!household) return;
  await subscribe(ctx.db, household.id, ctx.chat!.id, ctx.user?.id ?? null);
  await ctx.answerCallbackQuery();
  await redrawCard(ctx, household.id);
  await ctx.reply(ctx.t("beneficiary.subscribed", { code: formatRefCode(household.ref_code) }));
});

// "Berhenti" on the status card: needs the session, like every card button.
guardedCallback(selfServiceHandlers, BS.match("unsub"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("unsub", ctx)?.id);
  if (!household) return;
  await unsubscribe(ctx.db, household.id, ctx.chat!.id, ctx.user?.id ?? null);
  await ctx.answerCallbackQuery();
  await redrawCard(ctx, household.id);
  await ctx.reply(ctx.t("beneficiary.unsubscribed", { code: formatRefCode(household.ref_code) }));
});

// "Berhenti" under a notification: works without a new check, but only ever removes this
// chat's own subscription (a forged id removes nothing that is not the chat's).
guardedCallback(selfServiceHandlers, BS.match("stop"), "anyone", async (ctx) => {
  const tap = BS.parse("stop", ctx);
  const chat = ctx.chat;
  const removed = chat?.type === "private" && tap ? await unsubscribe(ctx.db, tap.id, chat.id, ctx.user?.id ?? null) : false;
  if (!removed || !tap) {
    await ctx.answerCallbackQuery({ text: ctx.t("beneficiary.not_subscribed").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  const row = await ctx.db.selectFrom("households").select("ref_code").where("id", "=", tap.id).executeTakeFirst();
  await ctx.reply(ctx.t("beneficiary.unsubscribed", { code: row ? formatRefCode(row.ref_code) : "–" }));
});

// === Data-subject requests from the verified person

/** Sends a copy in as many messages as needed; each is deleted from the chat after 24 hours. */
async function sendSelfDeleting(ctx: BotContext, text: string, now: Date, markup?: InlineKeyboard): Promise<void> {
  const parts = splitMessage(text);
  const deleteAt = new Date(now.getTime() + ACCESS_COPY_TTL_MS);
  for (const [i, part] of parts.entries()) {
    const msg = await ctx.reply(part, markup && i === parts.length - 1 ? { reply_markup: markup } : {});
    // Queued with the message's real id, once it is out (replies are sent after COMMIT).
    await whenDelivered(ctx, msg, async (db, m) => {
      await enqueueJob(db, BENEFICIARY_JOBS.deleteMessage, { chatId: m.chat.id, messageId: m.message_id }, { key: `dsr-delete:${m.chat.id}:${m.message_id}`, runAt: deleteAt, now });
    });
  }
}

/**
 * "📄 Data saya" (UU PDP Pasal 32): everything held about the family, with NIK and No. KK
 * masked. The full numbers need a second, explicit confirmation (someone may be looking at
 * the screen). Needs a live session from a check with the family PIN — the strongest proof
 * the bot has.
 */
guardedCallback(selfServiceHandlers, BS.match("data"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("data", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  const now = ctx.deps.now();
  // Tapping again within one session sends the copy again without a new request (and without
  // another notice to the coordinators).
  const recent = await ctx.db
    .selectFrom("data_requests")
    .selectAll()
    .where("household_id", "=", household.id)
    .where("chat_id", "=", ctx.chat!.id)
    .where("kind", "=", "access")
    .where("created_at", ">", new Date(now.getTime() - SESSION_MS))
    .orderBy("id", "desc")
    .executeTakeFirst();
  const request =
    recent ??
    (await createDataRequest(ctx.db, ctx.deps.pii, {
      householdId: household.id,
      chatId: ctx.chat!.id,
      requesterId: ctx.user?.id ?? null,
      kind: "access",
      details: null,
      now,
    }));
  const data = await loadHouseholdData(ctx.db, ctx.deps.pii, household.id);
  if (!data) return;
  const village = (await regionLabel(ctx.db, data.villageCode)) ?? data.villageCode;
  const hasNumbers = data.headNik !== null || data.kk !== null || data.members.some((m) => m.nik !== null);
  const markup = hasNumbers ? new InlineKeyboard().text(ctx.t("beneficiary.btn_show_full"), BS.encode("full", { id: household.id })) : undefined;
  await sendSelfDeleting(ctx, renderHouseholdData(ctx, data, village, request.id), now, markup);
});

guardedCallback(selfServiceHandlers, BS.match("full"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("full", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("beneficiary.full_confirm"), {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("beneficiary.btn_full_yes"), BS.encode("fullok", { id: household.id }))
      .row()
      .text(ctx.t("beneficiary.btn_full_no"), BS.encode("fullno", { id: household.id })),
  });
});

guardedCallback(selfServiceHandlers, BS.match("fullok"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("fullok", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  const data = await loadHouseholdData(ctx.db, ctx.deps.pii, household.id);
  if (!data) return;
  const now = ctx.deps.now();
  await audit(ctx.db, {
    actorId: ctx.user?.id ?? null,
    action: "dsr.full_numbers_shown",
    entity: "household",
    entityId: household.id,
    details: { chatId: ctx.chat!.id },
  });
  await sendSelfDeleting(ctx, renderFullNumbers(ctx, data), now);
});

guardedCallback(selfServiceHandlers, BS.match("fullno"), "anyone", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("beneficiary.full_cancelled")).catch(() => undefined);
});

guardedCallback(selfServiceHandlers, BS.match("fix"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("fix", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  await enterFlow(ctx, DATA_CORRECTION, household.id);
});

guardedCallback(selfServiceHandlers, BS.match("del"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("del", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  if (await replyIfDeletionOpen(ctx, household)) return;
  await ctx.reply(ctx.t("beneficiary.delete_confirm", { code: formatRefCode(household.ref_code) }), {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("beneficiary.btn_delete_yes"), BS.encode("delok", { id: household.id }))
      .row()
      .text(ctx.t("beneficiary.btn_delete_no"), BS.encode("delno", { id: household.id })),
  });
});

guardedCallback(selfServiceHandlers, BS.match("delok"), "anyone", async (ctx) => {
  const household = await sessionHousehold(ctx, BS.parse("delok", ctx)?.id);
  if (!household) return;
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  if (await replyIfDeletionOpen(ctx, household)) return;
  const request = await createDataRequest(ctx.db, ctx.deps.pii, {
    householdId: household.id,
    chatId: ctx.chat!.id,
    requesterId: ctx.user?.id ?? null,
    kind: "deletion",
    details: null,
    now: ctx.deps.now(),
  });
  const tz = await householdTz(ctx, household);
  await ctx.reply(ctx.t("beneficiary.delete_recorded", { id: request.id, due: formatDateTime(request.due_at.toISOString(), tz, ctx.locale) }));
});

guardedCallback(selfServiceHandlers, BS.match("delno"), "anyone", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  await ctx.reply(ctx.t("beneficiary.delete_cancelled"));
});

async function householdTz(ctx: BotContext, household: Household): Promise<string> {
  const row = await ctx.db
    .selectFrom("regions")
    .select("tz")
    .where("code", "=", household.village_code.slice(0, 2))
    .where("level", "=", 1)
    .executeTakeFirst();
  return row?.tz ?? "Asia/Jakarta";
}

async function replyIfDeletionOpen(ctx: BotContext, household: Household): Promise<boolean> {
  const open = await openRequestOf(ctx.db, household.id, "deletion");
  if (!open) return false;
  const tz = await householdTz(ctx, household);
  await ctx.reply(ctx.t("beneficiary.delete_already", { id: open.id, due: formatDateTime(open.due_at.toISOString(), tz, ctx.locale) }));
  return true;
}

// === The copy of the data

function dateOrDash(ctx: BotContext, iso: string | null, tz?: string): string {
  if (!iso) return "–";
  return formatDateId(tz ? localIsoDate(iso, tz) : iso.slice(0, 10), ctx.locale);
}

/**
 * The copy for the data subject (UU PDP Pasal 32): identity numbers masked, members, address,
 * categories, programmes, counts. Values are escaped; labels come from the locale.
 */
export function renderHouseholdData(ctx: BotContext, d: HouseholdData, village: string, requestId: number): string {
  const t = ctx.t;
  const e = escapeHtml;
  const list = (codes: string[], ns: string) => (codes.length === 0 ? "–" : codes.map((c) => t(`vocab.${ns}.${c}`, { defaultValue: c })).join(", "));
  const sex = (s: string | null) => (s ? t(`vocab.sex.${s}`) : "–");
  const lines: string[] = [
    t("beneficiary.data_title", { code: formatRefCode(d.refCode) }),
    "",
    t("beneficiary.data_head"),
    `${t("beneficiary.data_name")}: ${e(d.headName)}`,
    `NIK: <code>${e(d.headNik ? maskNik(d.headNik) : "–")}</code>`,
    `${t("beneficiary.data_kk")}: <code>${e(d.kk ? maskKk(d.kk) : "–")}</code>`,
    `${t("beneficiary.data_sex")}: ${e(sex(d.headSex))}`,
    `${t("beneficiary.data_birth")}: ${e(dateOrDash(ctx, d.headBirthDate))}`,
    "",
    t("beneficiary.data_address_title"),
    e(`${d.address ?? "–"}, RT ${d.rt ?? "–"}/RW ${d.rw ?? "–"}, ${village}`),
    `${t("beneficiary.data_location")}: ${d.latitude !== null && d.longitude !== null ? e(`${d.latitude}, ${d.longitude}`) : "–"}`,
    "",
    t("beneficiary.data_members_title", { count: d.memberCount }),
  ];
  if (d.members.length === 0) lines.push(t("beneficiary.data_no_members"));
  d.members.forEach((m, i) => {
    const relationship = t(`vocab.relationship.${m.relationship}`, { defaultValue: m.relationship });
    lines.push(
      `${i + 1}. ${e(m.name)} — ${e(relationship)}, NIK <code>${e(m.nik ? maskNik(m.nik) : "–")}</code>, ${e(sex(m.sex))}, ${t("beneficiary.data_born")} ${e(dateOrDash(ctx, m.birthDate))}`,
    );
  });
  const programmes = d.programmes.length === 0 ? t("vocab.programme.none") : list(d.programmes, "programme");
  lines.push(
    "",
    t("beneficiary.data_situation_title"),
    `${t("beneficiary.data_ppks")}: ${e(list(d.ppks, "ppks"))}`,
    `${t("beneficiary.data_housing")}: ${e(d.housing ? t(`vocab.housing.${d.housing}`) : "–")}`,
    `${t("beneficiary.data_programmes")}: ${e(programmes)}${d.programmeOther ? ` (${e(d.programmeOther)})` : ""}`,
    `${t("beneficiary.data_needs")}: ${e(list(d.needs, "need"))}${d.needsOther ? ` (${e(d.needsOther)})` : ""}`,
    `${t("beneficiary.data_desil")}: ${d.desil ?? "–"}`,
    "",
    t("beneficiary.data_support_title"),
    `${t("beneficiary.data_status")}: ${e(t(`vocab.status.${d.status}`))}${d.statusReason ? ` — ${e(d.statusReason)}` : ""}`,
    `${t("beneficiary.data_volunteer")}: ${e(d.volunteerFirstName ?? "–")}`,
    `${t("beneficiary.data_registered")}: ${e(dateOrDash(ctx, d.registeredAt, d.tz))}`,
    `${t("beneficiary.data_visits")}: ${d.visits}${d.lastVisitAt ? ` (${t("beneficiary.data_last_visit")} ${e(dateOrDash(ctx, d.lastVisitAt, d.tz))})` : ""}`,
    `${t("beneficiary.data_photos")}: ${d.photos}`,
    `${t("beneficiary.data_consent")}: ${e(dateOrDash(ctx, d.consentAt, d.tz))}`,
    "",
    t("beneficiary.data_footer", { id: requestId, hours: ACCESS_COPY_TTL_MS / 3600000 }),
  );
  return lines.join("\n");
}

/** The identity numbers in full, after the second confirmation: only the numbers, nothing else. */
export function renderFullNumbers(ctx: BotContext, d: HouseholdData): string {
  const t = ctx.t;
  const e = escapeHtml;
  const lines = [
    t("beneficiary.full_title", { code: formatRefCode(d.refCode) }),
    "",
    `${t("beneficiary.data_head")}: ${e(d.headName)}`,
    `NIK: <code>${e(d.headNik ?? "–")}</code>`,
    `${t("beneficiary.data_kk")}: <code>${e(d.kk ?? "–")}</code>`,
  ];
  const members = d.members.filter((m) => m.nik !== null);
  if (members.length > 0) {
    lines.push("", t("beneficiary.full_members"));
    for (const m of members) lines.push(`• ${e(m.name)}: <code>${e(m.nik!)}</code>`);
  }
  lines.push("", t("beneficiary.full_footer", { hours: ACCESS_COPY_TTL_MS / 3600000 }));
  return lines.join("\n");
}

/** Splits a long text at line breaks into messages Telegram accepts. */
export function splitMessage(text: string, max = MAX_MESSAGE): string[] {
  const parts: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const candidate = current === "" ? line : `${current}\n${line}`;
    if (candidate.length > max && current !== "") {
      parts.push(current);
      current = line;
    } else {
      current = candidate;
    }
  }
  if (current !== "") parts.push(current);
  return parts;
}
