import { Composer, GrammyError, InlineKeyboard, InputFile, InputMediaBuilder } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { hasAccess } from "../access.js";
import { enterFlowFromButton } from "../flow-entry.js";
import { whenDelivered } from "../outbox.js";
import type { Household } from "../../db/schema.js";
import { audit } from "../../db/queries/audit.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { findHousehold } from "../../db/queries/households.js";
import { regionTimezone } from "../../db/queries/regions.js";
import {
  DTSEN_JOBS,
  areaCounts,
  completenessOf,
  evidenceRows,
  findOpenProposal,
  findPackage,
  findProposal,
  handOverPackage,
  kindOf,
  listAreaProposals,
  listVolunteerProposals,
  moveProposal,
  openPackage,
  packageProposals,
  packagesAwaitingOutcome,
  readKkPhoto,
  statusOf,
  villagesForHandover,
  type ListedProposal,
  type Package,
  type Proposal,
} from "../../db/queries/dtsen.js";
import {
  isEditableStatus,
  proposalCapacities,
  windowAt,
  windowById,
  windowLabel,
  type ProposalCapacity,
  type ProposalStatus,
} from "../../domain/dtsen.js";
import { regionInStaffScope, scopeOf, staffAreaOf } from "../../domain/scope.js";
import { localDate } from "../../domain/visit.js";
import { formatRefCode } from "../../domain/refcode.js";
import { DTSEN_DECISION, DTSEN_EVIDENCE, DTSEN_START } from "../../flows/dtsen/index.js";
import { decodeDtsen, encodeDtsen, type DtsenAction } from "../../ui/dtsen/callback.js";
import { itemLabel, kindLabel, localDay, markup, renderHistory, renderProposal, villageName, type Rendered } from "../../ui/dtsen/render.js";
import { KK_VIEW_MINUTES } from "./jobs.js";

/**
 * DTSEN proposals (issue 17): /usulan, and every "pu:" button — the household card's
 * "📝 Usulan DTSEN", the proposal card, the coordinators' queue, hand-over packages and
 * outcomes. Private chats only. Every tap re-checks role, area and ownership through the
 * user's scope (src/domain/scope.ts): callback data can be forged.
 */
export const dtsenHandlers = new Composer<BotContext>();

const PAGE_SIZE = 8;

// === Small helpers

async function deny(ctx: BotContext, key = "access.not_yours"): Promise<void> {
  await ctx.answerCallbackQuery({ text: ctx.t(key).slice(0, 200), show_alert: true });
}

/** Edits the tapped message, or sends a new one when it cannot be edited. */
async function show(ctx: BotContext, r: Rendered, edit: boolean): Promise<void> {
  if (edit && ctx.callbackQuery?.message) {
    try {
      await ctx.editMessageText(r.text, r.keyboard.length > 0 ? { reply_markup: { inline_keyboard: r.keyboard } } : { reply_markup: { inline_keyboard: [] } });
      return;
    } catch (err) {
      if (err instanceof GrammyError && /not modified/i.test(err.description)) return;
      if (!(err instanceof GrammyError)) throw err;
    }
  }
  await ctx.reply(r.text, markup(r));
}

interface Loaded {
  p: Proposal;
  h: Household;
  capacities: ProposalCapacity[];
}

/** The proposal if the user has any capacity for its household; otherwise answers "not yours". */
async function load(ctx: BotContext, proposalId: number): Promise<Loaded | undefined> {
  const p = await findProposal(ctx.db, proposalId);
  const h = p ? await findHousehold(ctx.db, p.household_id) : undefined;
  const capacities = h ? proposalCapacities(ctx.user, h) : [];
  if (!p || !h || capacities.length === 0) {
    await deny(ctx);
    return undefined;
  }
  return { p, h, capacities };
}

async function card(ctx: BotContext, proposalId: number): Promise<Rendered | null> {
  return renderProposal(ctx.db, ctx.t, ctx.locale, ctx.user, proposalId);
}

/** The staff area of the user (null: the whole country), or undefined without a staff scope. */
function staffArea(ctx: BotContext): string | null | undefined {
  return hasAccess(ctx.user, "staff") ? staffAreaOf(scopeOf(ctx.user)) : undefined;
}

/** Why a move was refused (incomplete evidence, changed meanwhile, not allowed…), in words. */
function refusalText(ctx: BotContext, reason: string): string {
  switch (reason) {
    case "incomplete":
      return ctx.t("dtsen.refused_incomplete");
    case "changed":
      return ctx.t("dtsen.changed_meanwhile");
    case "not_allowed":
      return ctx.t("access.not_yours");
    default:
      return ctx.t("dtsen.action_not_possible");
  }
}

/** Moves a proposal from a button (no reason needed) and redraws its card in place. */
async function move(ctx: BotContext, l: Loaded, to: ProposalStatus, doneKey: string): Promise<void> {
  const r = await moveProposal(ctx.db, { proposal: l.p, to, reason: null, actorId: ctx.user!.id, capacities: l.capacities, now: ctx.deps.now() });
  if (!r.ok) {
    await ctx.answerCallbackQuery({ text: refusalText(ctx, r.reason).slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const c = await card(ctx, l.p.id);
  if (c) await show(ctx, c, true);
  await ctx.reply(ctx.t(doneKey, { code: formatRefCode(l.h.ref_code), id: l.p.id }));
}

// === Lists

function listLine(ctx: BotContext, n: number, l: ListedProposal, date: string, done: { done: number; total: number } | undefined, withStatus: boolean): string {
  const values = {
    n,
    code: formatRefCode(l.refCode),
    name: l.headName,
    kind: kindLabel(ctx.t, kindOf(l.proposal)),
    date,
    done: done?.done ?? 0,
    total: done?.total ?? 0,
  };
  return withStatus ? ctx.t("dtsen.list_item_status", { ...values, status: ctx.t(`dtsen.status.${l.proposal.status}`) }) : ctx.t("dtsen.list_item", values);
}

function listKeyboard(ctx: BotContext, rows: ListedProposal[], start: number, pages: number, page: number, pageAction: (p: number) => DtsenAction): InlineKeyboard {
  const kb = new InlineKeyboard();
  rows.forEach((r, i) => {
    kb.text(`${start + i + 1}. ${formatRefCode(r.refCode)}`, encodeDtsen({ a: "open", proposalId: r.proposal.id }));
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  if (page > 0) kb.text(ctx.t("common.prev_page"), encodeDtsen(pageAction(page - 1)));
  if (page < pages - 1) kb.text(ctx.t("common.next_page"), encodeDtsen(pageAction(page + 1)));
  return kb.row();
}

async function lines(ctx: BotContext, rows: ListedProposal[], start: number, withStatus: boolean): Promise<string[]> {
  const done = await completenessOf(ctx.db, rows.map((r) => r.proposal));
  const out: string[] = [];
  for (const [i, r] of rows.entries()) {
    const when = r.proposal.submitted_at ?? r.proposal.created_at;
    out.push(listLine(ctx, start + i + 1, r, await localDay(ctx.db, r.villageCode, when, ctx.locale), done.get(r.proposal.id), withStatus));
  }
  return out;
}

/** The coordinator's queue: proposals of the area waiting for verification, oldest first. */
async function showQueue(ctx: BotContext, page: number, edit: boolean): Promise<void> {
  const area = staffArea(ctx);
  if (area === undefined) return;
  const counts = await areaCounts(ctx.db, area);
  const total = counts.menunggu;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const { rows } = await listAreaProposals(ctx.db, area, ["menunggu"], { limit: PAGE_SIZE, offset: p * PAGE_SIZE });
  const areaLabel = area === null ? ctx.t("koordinator.whole_country") : await villageName(ctx.db, area);
  const text = [ctx.t("dtsen.queue_title", { area: areaLabel, count: total }), ""];
  if (rows.length === 0) text.push(ctx.t("dtsen.queue_empty"));
  else text.push(...(await lines(ctx, rows, p * PAGE_SIZE, false)));
  if (pages > 1) text.push("", ctx.t("common.page", { page: p + 1, pages }));
  text.push(
    "",
    ctx.t("dtsen.queue_summary", {
      progress: counts.draft + counts.dikembalikan,
      verified: counts.terverifikasi,
      handed: counts.diserahkan,
      accepted: counts.diterima,
      rejected: counts.ditolak,
    }),
    "",
    ctx.t("dtsen.disclaimer"),
  );
  const kb = listKeyboard(ctx, rows, p * PAGE_SIZE, pages, p, (n) => ({ a: "queue", page: n }));
  kb.text(ctx.t("dtsen.btn_in_progress", { count: counts.draft + counts.dikembalikan }), encodeDtsen({ a: "progress", page: 0 })).row();
  kb.text(ctx.t("dtsen.btn_packages"), encodeDtsen({ a: "packages" })).row();
  kb.text(ctx.t("dtsen.btn_awaiting", { count: counts.diserahkan }), encodeDtsen({ a: "awaiting" }));
  await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, edit);
}

/** Proposals of the area still being completed in the field (drafts and returned ones), with completeness. */
async function showProgress(ctx: BotContext, page: number, edit: boolean): Promise<void> {
  const area = staffArea(ctx);
  if (area === undefined) return;
  const { total } = await listAreaProposals(ctx.db, area, ["draft", "dikembalikan"], { limit: 1, offset: 0 });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const { rows } = await listAreaProposals(ctx.db, area, ["draft", "dikembalikan"], { limit: PAGE_SIZE, offset: p * PAGE_SIZE });
  const text = [ctx.t("dtsen.progress_title", { count: total }), ""];
  if (rows.length === 0) text.push(ctx.t("dtsen.progress_empty"));
  else text.push(...(await lines(ctx, rows, p * PAGE_SIZE, true)));
  const kb = listKeyboard(ctx, rows, p * PAGE_SIZE, pages, p, (n) => ({ a: "progress", page: n }));
  kb.text(ctx.t("dtsen.btn_back_queue"), encodeDtsen({ a: "queue", page: 0 }));
  await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, edit);
}

/** A volunteer's proposals: open ones first, with status and completeness. */
async function showMine(ctx: BotContext, page: number, edit: boolean): Promise<void> {
  const user = ctx.user!;
  const { total } = await listVolunteerProposals(ctx.db, user.id, { limit: 1, offset: 0 });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const { rows } = await listVolunteerProposals(ctx.db, user.id, { limit: PAGE_SIZE, offset: p * PAGE_SIZE });
  const text = [ctx.t("dtsen.mine_title", { count: total }), ""];
  if (rows.length === 0) text.push(ctx.t("dtsen.mine_empty"));
  else text.push(...(await lines(ctx, rows, p * PAGE_SIZE, true)));
  text.push("", ctx.t("dtsen.disclaimer"));
  const kb = listKeyboard(ctx, rows, p * PAGE_SIZE, pages, p, (n) => ({ a: "mine", page: n }));
  await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, edit);
}

// === Hand-over packages

function periodLabel(ctx: BotContext, period: string): string {
  const w = windowById(period, ctx.deps.config.DTSEN_WINDOWS);
  return w ? windowLabel(w, ctx.locale) : period;
}

/** Villages of the area with verified proposals (or an open package). */
async function showPackages(ctx: BotContext, edit: boolean): Promise<void> {
  const area = staffArea(ctx);
  if (area === undefined) return;
  const villages = await villagesForHandover(ctx.db, area);
  const text = [ctx.t("dtsen.packages_title"), ""];
  const kb = new InlineKeyboard();
  if (villages.length === 0) text.push(ctx.t("dtsen.packages_empty"));
  for (const v of villages) {
    const name = await villageName(ctx.db, v.villageCode);
    text.push(ctx.t("dtsen.packages_item", { village: name, count: v.verified }));
    kb.text(ctx.t("dtsen.btn_village", { village: name, count: v.verified }).slice(0, 60), encodeDtsen({ a: "village", villageCode: v.villageCode })).row();
  }
  text.push("", ctx.t("dtsen.disclaimer"));
  kb.text(ctx.t("dtsen.btn_back_queue"), encodeDtsen({ a: "queue", page: 0 }));
  await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, edit);
}

async function renderPackage(ctx: BotContext, pkg: Package): Promise<Rendered> {
  const items = await packageProposals(ctx.db, pkg.id);
  const village = await villageName(ctx.db, pkg.village_code);
  const by = { baru: 0, perubahan: 0, sanggah: 0 };
  for (const i of items) by[kindOf(i.proposal)]++;
  const text = [
    ctx.t("dtsen.package_title", { village, period: periodLabel(ctx, pkg.period) }),
    ctx.t("dtsen.package_counts", { count: items.length, baru: by.baru, perubahan: by.perubahan, sanggah: by.sanggah }),
  ];
  for (const [i, { proposal, household }] of items.entries()) {
    text.push(
      ctx.t("dtsen.package_item", {
        n: i + 1,
        code: formatRefCode(household.ref_code),
        name: household.head_name,
        kind: kindLabel(ctx.t, kindOf(proposal)),
        status: ctx.t(`dtsen.status.${proposal.status}`),
      }),
    );
  }
  text.push("");
  if (pkg.status === "diserahkan" && pkg.handed_over_at) {
    text.push(ctx.t("dtsen.package_handed", { date: await localDay(ctx.db, pkg.village_code, pkg.handed_over_at, ctx.locale) }));
  } else {
    text.push(ctx.t("dtsen.package_open"));
    if (pkg.downloaded_at) text.push(ctx.t("dtsen.package_downloaded", { date: await localDay(ctx.db, pkg.village_code, pkg.downloaded_at, ctx.locale) }));
  }
  text.push("", ctx.t("dtsen.package_contents"), "", ctx.t("dtsen.disclaimer"));
  const kb = new InlineKeyboard();
  if (items.length > 0) {
    kb.text(ctx.t("dtsen.btn_download"), encodeDtsen({ a: "download", packageId: pkg.id, full: false })).row();
    kb.text(ctx.t("dtsen.btn_download_full"), encodeDtsen({ a: "fullWarn", packageId: pkg.id })).row();
  }
  if (pkg.status === "terbuka" && items.some((i) => i.proposal.status === "terverifikasi")) {
    kb.text(ctx.t("dtsen.btn_handover"), encodeDtsen({ a: "handover", packageId: pkg.id })).row();
  }
  if (pkg.status === "diserahkan") kb.text(ctx.t("dtsen.btn_outcomes"), encodeDtsen({ a: "outcomes", packageId: pkg.id })).row();
  kb.text(ctx.t("dtsen.btn_back_packages"), encodeDtsen({ a: "packages" }));
  return { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) };
}

/** The package if the user is staff of its village; otherwise answers "not yours". */
async function loadPackage(ctx: BotContext, id: number): Promise<Package | undefined> {
  const pkg = await findPackage(ctx.db, id);
  if (!pkg || !hasAccess(ctx.user, "staff") || !regionInStaffScope(scopeOf(ctx.user), pkg.village_code)) {
    await deny(ctx);
    return undefined;
  }
  return pkg;
}

/** The proposals of a handed-over package with their outcome buttons (through their cards). */
async function showOutcomes(ctx: BotContext, pkg: Package): Promise<void> {
  const items = await packageProposals(ctx.db, pkg.id);
  const village = await villageName(ctx.db, pkg.village_code);
  const text = [ctx.t("dtsen.outcomes_title", { village, period: periodLabel(ctx, pkg.period) }), ""];
  const kb = new InlineKeyboard();
  for (const [i, { proposal, household }] of items.entries()) {
    text.push(
      ctx.t("dtsen.package_item", {
        n: i + 1,
        code: formatRefCode(household.ref_code),
        name: household.head_name,
        kind: kindLabel(ctx.t, kindOf(proposal)),
        status: ctx.t(`dtsen.status.${proposal.status}`),
      }),
    );
    kb.text(`${i + 1}. ${formatRefCode(household.ref_code)}`, encodeDtsen({ a: "open", proposalId: proposal.id }));
    if (i % 2 === 1) kb.row();
  }
  text.push("", ctx.t("dtsen.outcomes_hint"));
  kb.row().text(ctx.t("dtsen.btn_back_package"), encodeDtsen({ a: "village", villageCode: pkg.village_code }));
  await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, true);
}

// === Evidence

/** Sends the evidence of a proposal (house photos, letter, GPS point) to the viewer's own chat. */
async function sendEvidence(ctx: BotContext, l: Loaded): Promise<void> {
  const kind = kindOf(l.p);
  const rows = await evidenceRows(ctx.db, [l.p.id]);
  const photos = rows.filter((e) => e.item !== "kk" && e.file_id && e.media === "photo");
  const documents = rows.filter((e) => e.item !== "kk" && e.file_id && e.media === "document");
  const caption = (item: string) => itemLabel(ctx.t, item as never, kind, l.p.reason);
  if (photos.length === 1) await ctx.replyWithPhoto(photos[0]!.file_id!, { caption: caption(photos[0]!.item) });
  else if (photos.length > 1) await ctx.replyWithMediaGroup(photos.map((e) => InputMediaBuilder.photo(e.file_id!, { caption: caption(e.item) })));
  for (const d of documents) await ctx.replyWithDocument(d.file_id!, { caption: caption(d.item) });
  if (l.p.latitude !== null && l.p.longitude !== null) await ctx.replyWithLocation(l.p.latitude, l.p.longitude);
  const hasKk = rows.some((e) => e.item === "kk");
  const text = [
    ctx.t("dtsen.evidence_title", { id: l.p.id, code: formatRefCode(l.h.ref_code) }),
    l.p.consent_at ? ctx.t("dtsen.evidence_consent", { date: await localDay(ctx.db, l.h.village_code, l.p.consent_at, ctx.locale) }) : ctx.t("dtsen.evidence_no_consent"),
    hasKk ? ctx.t("dtsen.evidence_kk_hidden", { minutes: KK_VIEW_MINUTES }) : ctx.t("dtsen.evidence_no_kk"),
  ];
  if (photos.length + documents.length === 0 && l.p.latitude === null) text.push(ctx.t("dtsen.evidence_none"));
  const kb = new InlineKeyboard();
  if (hasKk) kb.text(ctx.t("dtsen.btn_view_kk"), encodeDtsen({ a: "kk", proposalId: l.p.id })).row();
  kb.text(ctx.t("dtsen.btn_back_card"), encodeDtsen({ a: "open", proposalId: l.p.id }));
  await ctx.reply(text.join("\n"), { reply_markup: kb });
}

/**
 * The KK photo, decrypted, to the chat of the person who asked (audited), protected from
 * forwarding and deleted again after KK_VIEW_MINUTES.
 */
async function sendKk(ctx: BotContext, l: Loaded): Promise<void> {
  const kk = await readKkPhoto(ctx.db, ctx.deps.pii, l.p.id);
  if (!kk) {
    await ctx.reply(ctx.t("dtsen.evidence_no_kk"));
    return;
  }
  const msg = await ctx.replyWithPhoto(new InputFile(kk.content, "kk.jpg"), {
    caption: ctx.t("dtsen.kk_view_caption", { code: formatRefCode(l.h.ref_code), minutes: KK_VIEW_MINUTES }),
    protect_content: true,
  });
  const runAt = new Date(ctx.deps.now().getTime() + KK_VIEW_MINUTES * 60_000);
  // The message id is known once the photo is sent (after the update's COMMIT).
  await whenDelivered(ctx, msg, async (db, sent) => {
    await enqueueJob(db, DTSEN_JOBS.deleteMessage, { chatId: sent.chat.id, messageId: sent.message_id }, {
      key: `dtsen-del:${sent.chat.id}:${sent.message_id}`,
      runAt,
      now: runAt,
    });
  });
  await audit(ctx.db, { actorId: ctx.user!.id, action: "dtsen.kk_viewed", entity: "dtsen_proposal", entityId: l.p.id, details: { household: l.h.id } });
}

// === Command

guardedCommand(dtsenHandlers, "usulan", async (ctx) => {
  if (ctx.chat?.type !== "private") {
    await ctx.reply(ctx.t("dtsen.private_only"));
    return;
  }
  if (hasAccess(ctx.user, "staff")) await showQueue(ctx, 0, false);
  else await showMine(ctx, 0, false);
});

// === Buttons

guardedCallback(dtsenHandlers, /^pu:/, "volunteer", async (ctx) => {
  const action = decodeDtsen(ctx.callbackQuery?.data ?? "");
  if (!action) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  if (ctx.chat?.type !== "private") {
    await deny(ctx, "dtsen.private_only");
    return;
  }
  const user = ctx.user!;
  switch (action.a) {
    case "house": {
      const h = await findHousehold(ctx.db, action.householdId);
      const capacities = h ? proposalCapacities(user, h) : [];
      if (!h || capacities.length === 0) return deny(ctx);
      const open = await findOpenProposal(ctx.db, h.id);
      if (open) {
        await ctx.answerCallbackQuery();
        const c = await card(ctx, open.id);
        if (c) await show(ctx, c, false);
        return;
      }
      if (!capacities.includes("field")) return deny(ctx);
      await enterFlowFromButton(ctx, DTSEN_START, h.id);
      return;
    }
    case "open": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await ctx.answerCallbackQuery();
      await audit(ctx.db, { actorId: user.id, action: "dtsen.proposal_viewed", entity: "dtsen_proposal", entityId: l.p.id, details: { household: l.h.id } });
      const c = await card(ctx, l.p.id);
      if (c) await show(ctx, c, false);
      return;
    }
    case "item": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      if (!l.capacities.includes("field") || !isEditableStatus(statusOf(l.p))) return deny(ctx, "dtsen.item_not_editable");
      await enterFlowFromButton(ctx, DTSEN_EVIDENCE, l.p.id, action.item);
      return;
    }
    case "submit": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await move(ctx, l, "menunggu", "dtsen.submitted");
      return;
    }
    case "cancel": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      if (!isEditableStatus(statusOf(l.p))) return deny(ctx, "dtsen.action_not_possible");
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t("dtsen.cancel_confirm", { id: l.p.id, code: formatRefCode(l.h.ref_code) }), {
        reply_markup: new InlineKeyboard()
          .text(ctx.t("dtsen.btn_cancel_yes"), encodeDtsen({ a: "cancelYes", proposalId: l.p.id }))
          .row()
          .text(ctx.t("dtsen.btn_cancel_no"), encodeDtsen({ a: "open", proposalId: l.p.id })),
      });
      return;
    }
    case "cancelYes": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await move(ctx, l, "dibatalkan", "dtsen.cancelled_done");
      return;
    }
    case "evidence": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await ctx.answerCallbackQuery();
      await audit(ctx.db, { actorId: user.id, action: "dtsen.evidence_viewed", entity: "dtsen_proposal", entityId: l.p.id, details: { household: l.h.id } });
      await sendEvidence(ctx, l);
      return;
    }
    case "kk": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await ctx.answerCallbackQuery();
      await sendKk(ctx, l);
      return;
    }
    case "verify": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await move(ctx, l, "terverifikasi", "dtsen.verified_done");
      return;
    }
    case "accept": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await move(ctx, l, "diterima", "dtsen.accepted_done");
      return;
    }
    case "return":
    case "reject": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      const from = statusOf(l.p);
      const possible = action.a === "return" ? from === "menunggu" || from === "terverifikasi" : from === "diserahkan";
      if (!l.capacities.includes("staff")) return deny(ctx);
      if (!possible) return deny(ctx, "dtsen.action_not_possible");
      await enterFlowFromButton(ctx, DTSEN_DECISION, l.p.id, action.a);
      return;
    }
    case "history": {
      const l = await load(ctx, action.proposalId);
      if (!l) return;
      await ctx.answerCallbackQuery();
      await show(ctx, await renderHistory(ctx.db, ctx.t, ctx.locale, l.p, l.h), true);
      return;
    }
    case "mine":
      await ctx.answerCallbackQuery();
      await showMine(ctx, action.page, true);
      return;
    default:
      break;
  }

  // Everything below is for staff of an area.
  if (staffArea(ctx) === undefined) return deny(ctx, "access.staff_only");
  switch (action.a) {
    case "queue":
      await ctx.answerCallbackQuery();
      await showQueue(ctx, action.page, true);
      return;
    case "progress":
      await ctx.answerCallbackQuery();
      await showProgress(ctx, action.page, true);
      return;
    case "packages":
      await ctx.answerCallbackQuery();
      await showPackages(ctx, true);
      return;
    case "awaiting": {
      await ctx.answerCallbackQuery();
      const area = staffArea(ctx)!;
      const pkgs = await packagesAwaitingOutcome(ctx.db, area);
      const text = [ctx.t("dtsen.awaiting_title"), ""];
      const kb = new InlineKeyboard();
      if (pkgs.length === 0) text.push(ctx.t("dtsen.awaiting_empty"));
      for (const k of pkgs) {
        const village = await villageName(ctx.db, k.villageCode);
        text.push(ctx.t("dtsen.awaiting_item", { village, period: periodLabel(ctx, k.period), count: k.waiting }));
        kb.text(ctx.t("dtsen.btn_village", { village, count: k.waiting }).slice(0, 60), encodeDtsen({ a: "outcomes", packageId: k.id })).row();
      }
      kb.text(ctx.t("dtsen.btn_back_queue"), encodeDtsen({ a: "queue", page: 0 }));
      await show(ctx, { text: text.join("\n"), keyboard: kb.inline_keyboard.filter((r) => r.length > 0) }, true);
      return;
    }
    case "village": {
      if (!regionInStaffScope(scopeOf(user), action.villageCode)) return deny(ctx);
      const tz = (await regionTimezone(ctx.db, action.villageCode))?.tz ?? "Asia/Jakarta";
      const period = windowAt(localDate(ctx.deps.now(), tz), ctx.deps.config.DTSEN_WINDOWS).id;
      const pkg = await openPackage(ctx.db, { villageCode: action.villageCode, period, actorId: user.id, now: ctx.deps.now() });
      if (!pkg) return deny(ctx, "dtsen.packages_empty");
      await ctx.answerCallbackQuery();
      await show(ctx, await renderPackage(ctx, pkg), true);
      return;
    }
    case "fullWarn": {
      const pkg = await loadPackage(ctx, action.packageId);
      if (!pkg) return;
      await ctx.answerCallbackQuery();
      // An explicit warning, as before /ekspor's full export; the request is audited when confirmed.
      await show(
        ctx,
        {
          text: ctx.t("dtsen.full_warning"),
          keyboard: new InlineKeyboard()
            .text(ctx.t("dtsen.btn_download_full_confirm"), encodeDtsen({ a: "download", packageId: pkg.id, full: true }))
            .row()
            .text(ctx.t("dtsen.btn_back_package"), encodeDtsen({ a: "village", villageCode: pkg.village_code })).inline_keyboard,
        },
        true,
      );
      return;
    }
    case "download": {
      const pkg = await loadPackage(ctx, action.packageId);
      if (!pkg) return;
      const chatId = ctx.chat.id;
      const messageId = ctx.callbackQuery?.message?.message_id ?? 0;
      await ctx.answerCallbackQuery();
      await ctx.deps.jobs.enqueue(
        ctx.db,
        DTSEN_JOBS.buildPackage,
        { packageId: pkg.id, userId: user.id, chatId, full: action.full },
        { key: `dtsen-package:${chatId}:${messageId}:${action.full ? "f" : "m"}` },
      );
      await audit(ctx.db, {
        actorId: user.id,
        action: action.full ? "dtsen.package_requested_full_identity" : "dtsen.package_requested",
        entity: "dtsen_package",
        entityId: pkg.id,
        details: { village: pkg.village_code, period: pkg.period, full: action.full },
      });
      await ctx.reply(ctx.t(action.full ? "dtsen.preparing_full" : "dtsen.preparing"));
      return;
    }
    case "handover": {
      const pkg = await loadPackage(ctx, action.packageId);
      if (!pkg) return;
      if (pkg.status !== "terbuka") return deny(ctx, "dtsen.action_not_possible");
      const items = await packageProposals(ctx.db, pkg.id);
      const count = items.filter((i) => i.proposal.status === "terverifikasi").length;
      await ctx.answerCallbackQuery();
      await show(
        ctx,
        {
          text: ctx.t(pkg.downloaded_at ? "dtsen.handover_confirm" : "dtsen.handover_confirm_not_downloaded", {
            village: await villageName(ctx.db, pkg.village_code),
            count,
          }),
          keyboard: new InlineKeyboard()
            .text(ctx.t("dtsen.btn_handover_yes"), encodeDtsen({ a: "handoverYes", packageId: pkg.id }))
            .row()
            .text(ctx.t("dtsen.btn_back_package"), encodeDtsen({ a: "village", villageCode: pkg.village_code })).inline_keyboard,
        },
        true,
      );
      return;
    }
    case "handoverYes": {
      const pkg = await loadPackage(ctx, action.packageId);
      if (!pkg) return;
      const moved = await handOverPackage(ctx.db, { packageId: pkg.id, actorId: user.id, now: ctx.deps.now() });
      if (moved === null) return deny(ctx, "dtsen.changed_meanwhile");
      await ctx.answerCallbackQuery();
      const fresh = (await findPackage(ctx.db, pkg.id))!;
      await show(ctx, await renderPackage(ctx, fresh), true);
      await ctx.reply(ctx.t("dtsen.handed_over_done", { count: moved, village: await villageName(ctx.db, pkg.village_code) }));
      return;
    }
    case "outcomes": {
      const pkg = await loadPackage(ctx, action.packageId);
      if (!pkg) return;
      await ctx.answerCallbackQuery();
      await showOutcomes(ctx, pkg);
      return;
    }
    default:
      await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
  }
});

