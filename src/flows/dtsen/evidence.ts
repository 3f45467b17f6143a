import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "../kit/ask.js";
import { askChoice } from "../kit/choice.js";
import { findHousehold } from "../../db/queries/households.js";
import {
  findProposal,
  kindOf,
  recordConsent,
  recordLocation,
  statusOf,
  storeEvidencePhoto,
  storeKkPhoto,
  type Proposal,
} from "../../db/queries/dtsen.js";
import { isEditableStatus, isEvidenceItem, proposalCapacities, requiredEvidence, type EvidenceItem } from "../../domain/dtsen.js";
import { formatRefCode } from "../../domain/refcode.js";
import type { Db, User } from "../../db/schema.js";
import { itemLabel, markup, renderProposal, type Rendered } from "../../ui/dtsen/render.js";
import { DownloadError, downloadTelegramFile } from "../../lib/telegram-files.js";

export const DTSEN_EVIDENCE = "dtsen-evidence";

/** The largest KK photo kept (a phone photo of an A4 sheet is well below). */
export const MAX_KK_BYTES = 10 * 1024 * 1024;

interface PhotoAnswer {
  fileId: string;
  fileUniqueId: string | null;
  media: "photo" | "document";
  mime: string;
  bytes: number | null;
  messageId: number;
}

/** A photo, or an image sent as a file; undefined for anything else. */
function photoOf(c: FlowContext): PhotoAnswer | undefined {
  const m = c.message;
  if (!m) return undefined;
  const sizes = m.photo;
  if (sizes && sizes.length > 0) {
    const best = sizes[sizes.length - 1]!;
    return { fileId: best.file_id, fileUniqueId: best.file_unique_id ?? null, media: "photo", mime: "image/jpeg", bytes: best.file_size ?? null, messageId: m.message_id };
  }
  const doc = m.document;
  if (doc && doc.mime_type?.startsWith("image/")) {
    return { fileId: doc.file_id, fileUniqueId: doc.file_unique_id ?? null, media: "document", mime: doc.mime_type, bytes: doc.file_size ?? null, messageId: m.message_id };
  }
  return undefined;
}

/** Whether the user may still add this item to the proposal (field capacity, editable, required). */
async function editable(db: Db, user: User | undefined, proposalId: number, item: EvidenceItem): Promise<{ p: Proposal; code: string } | null> {
  const p = await findProposal(db, proposalId);
  if (!p || !isEditableStatus(statusOf(p))) return null;
  const h = await findHousehold(db, p.household_id);
  if (!h || !proposalCapacities(user, h).includes("field")) return null;
  if (!requiredEvidence(kindOf(p), p.reason).includes(item)) return null;
  return { p, code: formatRefCode(h.ref_code) };
}

type Opened = { ok: false } | { ok: true; code: string; label: string };
type Stored = { ok: true; card: Rendered | null } | { ok: false; problem: "denied" | "too_large" | "failed" };

/**
 * One item of a proposal's evidence checklist, collected in the chat: the family's consent
 * (the registration's consent text), the KK photo (downloaded, stored encrypted, and its
 * message deleted from the chat), a photo of the house or of the supporting letter, or the
 * house's GPS point. Ends with the proposal card, which shows what is still missing — the
 * rest can wait for another visit.
 */
async function dtsenEvidence(conversation: Convo, ctx: FlowContext, proposalId: number, item: string): Promise<void> {
  if (!Number.isSafeInteger(proposalId) || !isEvidenceItem(item)) return;
  const opened = await withDb<Opened>(conversation, async (db, _deps, octx) => {
    const found = await editable(db, octx.user, proposalId, item);
    if (!found) return { ok: false };
    return { ok: true, code: found.code, label: itemLabel(octx.t, item, kindOf(found.p), found.p.reason) };
  });
  if (!opened.ok) {
    await ctx.reply(ctx.t("dtsen.item_not_editable"));
    return;
  }
  const showCard = async (c: FlowContext, card: Rendered | null) => {
    if (card) await c.reply(card.text, markup(card));
  };
  const cardNow = () => withDb(conversation, (db, _deps, octx) => renderProposal(db, octx.t, octx.locale, octx.user, proposalId));
  const back = backKeyboard(ctx.t("dtsen.btn_not_now"));

  if (item === "consent") {
    const a = await askChoice(conversation, ctx, {
      text: `${ctx.t("daftar.consent")}\n\n${ctx.t("dtsen.consent_extra")}`,
      options: [
        { value: "yes", label: ctx.t("daftar.consent_yes") },
        { value: "no", label: ctx.t("daftar.consent_no") },
      ],
    });
    const c = a.ctx;
    if (a.kind === "back") {
      await showCard(c, await cardNow());
      return;
    }
    if (a.value === "no") {
      await c.reply(c.t("dtsen.consent_refused"));
      await showCard(c, await cardNow());
      return;
    }
    const saved = await withDb<Stored>(conversation, async (db, deps, octx) => {
      if (!(await editable(db, octx.user, proposalId, item)) || !octx.user) return { ok: false, problem: "denied" };
      await recordConsent(db, { proposalId, actorId: octx.user.id, now: deps.now() });
      return { ok: true, card: await renderProposal(db, octx.t, octx.locale, octx.user, proposalId) };
    });
    await c.reply(c.t(saved.ok ? "dtsen.consent_recorded" : "dtsen.item_not_editable"));
    if (saved.ok) await showCard(c, saved.card);
    return;
  }

  if (item === "location") {
    const a = await ask<{ latitude: number; longitude: number }>(conversation, {
      question: async () => {
        await ctx.reply(ctx.t("dtsen.ask_location", { code: opened.code }), {
          reply_markup: {
            keyboard: [[{ text: ctx.t("dtsen.share_location"), request_location: true }]],
            resize_keyboard: true,
            one_time_keyboard: true,
          },
        });
        return ctx.reply(ctx.t("dtsen.location_back_hint"), { reply_markup: back });
      },
      parse: (c) => {
        const loc = c.message?.location ?? c.message?.venue?.location;
        if (loc) return { ok: true, value: { latitude: loc.latitude, longitude: loc.longitude } };
        return undefined;
      },
      hintKey: "dtsen.location_hint",
    });
    const c = a.ctx;
    if (a.kind === "back") {
      await c.reply(c.t("dtsen.not_now"), { reply_markup: { remove_keyboard: true } });
      await showCard(c, await cardNow());
      return;
    }
    const saved = await withDb<Stored>(conversation, async (db, deps, octx) => {
      if (!(await editable(db, octx.user, proposalId, item)) || !octx.user) return { ok: false, problem: "denied" };
      await recordLocation(db, { proposalId, latitude: a.value.latitude, longitude: a.value.longitude, actorId: octx.user.id, now: deps.now() });
      return { ok: true, card: await renderProposal(db, octx.t, octx.locale, octx.user, proposalId) };
    });
    await c.reply(c.t(saved.ok ? "dtsen.location_saved" : "dtsen.item_not_editable"), { reply_markup: { remove_keyboard: true } });
    if (saved.ok) await showCard(c, saved.card);
    return;
  }

  // A photo: the KK, the house front or inside, or the supporting letter.
  const isKk = item === "kk";
  for (;;) {
    const a = await ask<PhotoAnswer>(conversation, {
      question: () =>
        ctx.reply(ctx.t(isKk ? "dtsen.ask_kk" : "dtsen.ask_photo", { code: opened.code, item: opened.label }), { reply_markup: back }),
      parse: (c) => {
        const photo = photoOf(c);
        if (photo) return { ok: true, value: photo };
        if (c.message?.document) return { ok: false, error: c.t("dtsen.photo_not_image") };
        if (textOf(c) !== undefined) return { ok: false, error: c.t("dtsen.photo_hint") };
        return undefined;
      },
      hintKey: "dtsen.photo_hint",
    });
    const c = a.ctx;
    if (a.kind === "back") {
      await c.reply(c.t("dtsen.not_now"));
      await showCard(c, await cardNow());
      return;
    }
    const photo = a.value;
    const saved = await withDb<Stored>(conversation, async (db, deps, octx) => {
      const user = octx.user;
      if (!user || !(await editable(db, user, proposalId, item))) return { ok: false, problem: "denied" };
      if (item === "kk") {
        try {
          const file = await downloadTelegramFile(octx.api, photo.fileId, { maxBytes: MAX_KK_BYTES });
          await storeKkPhoto(db, deps.pii, { proposalId, content: file.content, mime: photo.mime, actorId: user.id, now: deps.now() });
        } catch (err) {
          octx.log.warn({ proposalId, err: err instanceof Error ? err.name : "error" }, "KK photo not stored");
          return { ok: false, problem: err instanceof DownloadError && err.reason === "too_large" ? "too_large" : "failed" };
        }
      } else {
        await storeEvidencePhoto(db, {
          proposalId,
          item,
          fileId: photo.fileId,
          fileUniqueId: photo.fileUniqueId,
          media: photo.media,
          mime: photo.mime,
          bytes: photo.bytes,
          actorId: user.id,
          now: deps.now(),
        });
      }
      return { ok: true, card: await renderProposal(db, octx.t, octx.locale, user, proposalId) };
    });
    if (isKk) {
      // The KK photo leaves the chat whether or not it could be stored (UU PDP: Telegram keeps
      // chats outside Indonesia).
      try {
        await c.api.deleteMessage(c.chat!.id, photo.messageId);
      } catch {
        // Too old or already deleted by the person.
      }
    }
    if (saved.ok) {
      await c.reply(c.t(isKk ? "dtsen.kk_saved" : "dtsen.photo_saved", { item: opened.label }));
      await showCard(c, saved.card);
      return;
    }
    if (saved.problem === "denied") {
      await c.reply(c.t("dtsen.item_not_editable"));
      return;
    }
    await c.reply(c.t(saved.problem === "too_large" ? "dtsen.kk_too_large" : "dtsen.kk_failed"));
  }
}

export const dtsenEvidenceFlow: FlowDefinition = { id: DTSEN_EVIDENCE, builder: dtsenEvidence };
