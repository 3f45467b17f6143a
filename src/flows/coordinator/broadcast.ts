/**
 * /siaran → "Tulis siaran baru": the coordinator writes the message (text, or one photo or
 * document with a caption), chooses who receives it, sees the message as recipients will
 * and the number of recipients, and confirms. The broadcast is then queued (one delivery
 * row per recipient) and the confirmation message becomes the progress message.
 */
import { InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { ask, BACK, flowData, withDb, type Parsed } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import { entitiesToHtml } from "../../lib/entities-html.js";
import { hasAccess } from "../../domain/access.js";
import { regionLevel } from "../../domain/region-names.js";
import { MAX_BROADCAST_CAPTION, MAX_BROADCAST_TEXT, broadcastProgressText, formatCount } from "../../domain/broadcast.js";
import { regionLabel } from "../../db/queries/regions.js";
import { BROADCAST_ACK_JOBS, actorArea, countAudience, createBroadcast, type Audience } from "../../db/queries/broadcasts.js";
import { audit } from "../../db/queries/audit.js";
import type { BroadcastAudience } from "../../db/schema.js";
import { BC } from "../../ui/coordinator/callback-data.js";

export const BROADCAST_COMPOSE = "broadcast-compose";

interface Draft {
  html: string;
  media: { kind: "photo" | "document"; fileId: string } | null;
}

type Step = "message" | "audience" | "confirm";

/** Reads the message to broadcast from an update (text, or photo/document with caption). */
function parseMessage(c: FlowContext): Parsed<Draft> | undefined {
  const m = c.message;
  if (!m) return undefined;
  if (m.text !== undefined) {
    if (m.text.trim().length === 0) return undefined;
    if (m.text.length > MAX_BROADCAST_TEXT) return { ok: false, error: c.t("siaran.too_long", { max: MAX_BROADCAST_TEXT, length: m.text.length }) };
    return { ok: true, value: { html: entitiesToHtml(m.text, m.entities), media: null } };
  }
  const caption = m.caption ?? "";
  if ((m.photo || m.document) && caption.length > MAX_BROADCAST_CAPTION) {
    return { ok: false, error: c.t("siaran.caption_too_long", { max: MAX_BROADCAST_CAPTION, length: caption.length }) };
  }
  if (m.photo && m.photo.length > 0) {
    const largest = m.photo[m.photo.length - 1]!;
    return { ok: true, value: { html: entitiesToHtml(caption, m.caption_entities), media: { kind: "photo", fileId: largest.file_id } } };
  }
  if (m.document) {
    return { ok: true, value: { html: entitiesToHtml(caption, m.caption_entities), media: { kind: "document", fileId: m.document.file_id } } };
  }
  return undefined;
}

async function broadcastCompose(conversation: Convo, ctx: FlowContext): Promise<void> {
  const t = ctx.t;
  const me = await withDb(conversation, async (db, _deps, octx) => {
    const user = octx.user;
    if (!user || !hasAccess(user, "staff") || (user.role === "coordinator" && !user.area_code)) return null;
    const area = actorArea(user);
    return {
      name: user.name ?? "",
      area,
      areaLabel: area ? ((await regionLabel(db, area, { full: false })) ?? area) : null,
      // A region inside the area can be chosen unless the area is a single village.
      canPickRegion: area === null || (regionLevel(area) ?? 4) < 4,
    };
  });
  if (!me) {
    await ctx.reply(t("access.staff_only"));
    return;
  }
  const areaText = me.areaLabel ?? t("koordinator.whole_country");

  let step: Step = "message";
  let draft: Draft | null = null;
  let audience: Audience | null = null;
  let audienceText = "";
  /** "Minta konfirmasi baca": each recipient gets a "Sudah dibaca" button. */
  let ackRequested = false;
  let cur: FlowContext = ctx;

  for (;;) {
    if (step === "message") {
      const answer = await ask<Draft>(conversation, {
        question: () => cur.reply(t("siaran.ask_message", { max: MAX_BROADCAST_TEXT }), { reply_markup: new InlineKeyboard().text(t("siaran.btn_cancel"), BACK) }),
        parse: parseMessage,
        hintKey: "siaran.hint_message",
      });
      cur = answer.ctx;
      if (answer.kind === "back") {
        await cur.reply(t("siaran.cancelled"));
        return;
      }
      draft = answer.value;
      step = audience ? "confirm" : "audience";
      continue;
    }

    if (step === "audience") {
      const counts = await withDb(conversation, async (db, _deps, octx) => {
        const user = octx.user!;
        return {
          area: await countAudience(db, user, { kind: "area", code: null }),
          coordinators: await countAudience(db, user, { kind: "coordinators", code: null }),
          pending: await countAudience(db, user, { kind: "pending", code: null }),
        };
      });
      const f = (n: number) => formatCount(n, cur.locale);
      const kb = new InlineKeyboard()
        .text(t("siaran.aud_area", { area: areaText, count: f(counts.area) }), "f:bca:area")
        .row();
      if (me.canPickRegion) kb.text(t("siaran.aud_region"), "f:bca:region").row();
      kb.text(t("siaran.aud_coordinators", { count: f(counts.coordinators) }), "f:bca:coordinators").row();
      kb.text(t("siaran.aud_pending", { count: f(counts.pending) }), "f:bca:pending").row();
      kb.text(t("common.back"), BACK);
      const answer = await ask<BroadcastAudience>(conversation, {
        question: () => cur.reply(t("siaran.ask_audience"), { reply_markup: kb }),
        parse: (c) => {
          const data = flowData(c);
          if (!data?.startsWith("f:bca:")) return undefined;
          const kind = data.slice(6);
          if (kind === "region" && !me.canPickRegion) return undefined;
          return ["area", "region", "coordinators", "pending"].includes(kind) ? { ok: true, value: kind as BroadcastAudience } : undefined;
        },
        hintKey: "flow.use_buttons",
      });
      cur = answer.ctx;
      if (answer.kind === "back") {
        step = "message";
        continue;
      }
      if (answer.value === "region") {
        const picked = await pickRegion(conversation, cur, {
          level: "coordinator-area",
          within: me.area,
          strictlyInside: me.area !== null,
          prompt: t("siaran.ask_region", { area: areaText }),
        });
        cur = picked.ctx;
        if (picked.kind === "back") continue;
        audience = { kind: "region", code: picked.value };
        audienceText = t("siaran.aud_desc_region", { region: picked.label });
      } else {
        audience = { kind: answer.value, code: null };
        audienceText = t(`siaran.aud_desc_${answer.value}`, { area: areaText });
      }
      step = "confirm";
      continue;
    }

    // Confirm: the message as recipients will see it, then the number of recipients.
    const d = draft!;
    const a = audience!;
    const total = await withDb(conversation, (db, _deps, octx) => countAudience(db, octx.user!, a));
    const preview = `${t("siaran.header", { name: me.name })}\n\n${d.html}`;
    await cur.reply(t("siaran.preview_intro"));
    if (d.media?.kind === "photo") await cur.replyWithPhoto(d.media.fileId, { caption: preview });
    else if (d.media?.kind === "document") await cur.replyWithDocument(d.media.fileId, { caption: preview });
    else await cur.reply(preview, { link_preview_options: { is_disabled: true } });
    const confirmKeyboard = () => {
      const kb = new InlineKeyboard();
      if (total > 0) kb.text(t("siaran.btn_send", { count: formatCount(total, cur.locale) }), "f:bcc:send").row();
      if (total > 0) kb.text(t(ackRequested ? "siaran.btn_ack_on" : "siaran.btn_ack_off"), "f:bcc:ack").row();
      kb.text(t("siaran.btn_edit_message"), "f:bcc:msg").text(t("siaran.btn_edit_audience"), "f:bcc:aud").row();
      kb.text(t("siaran.btn_cancel"), BACK);
      return kb;
    };
    const confirmText = () =>
      total > 0
        ? `${t("siaran.confirm", { count: formatCount(total, cur.locale), audience: audienceText })}${ackRequested ? `\n\n${t("siaran.ack_note", { hours: ackHours })}` : ""}`
        : t("siaran.no_recipients", { audience: audienceText });
    const ackHours = await withDb(conversation, async (_db, deps) => deps.config.BROADCAST_ACK_HOURS);
    const summary: Message.TextMessage = await cur.reply(confirmText(), { reply_markup: confirmKeyboard() });
    let answer: Awaited<ReturnType<typeof ask<"send" | "msg" | "aud" | "ack">>>;
    for (;;) {
      answer = await ask<"send" | "msg" | "aud" | "ack">(conversation, {
        question: async () => undefined,
        parse: (c) => {
          const data = flowData(c);
          if (c.callbackQuery?.message?.message_id !== summary.message_id) return undefined;
          if (data === "f:bcc:send" && total > 0) return { ok: true, value: "send" };
          if (data === "f:bcc:ack" && total > 0) return { ok: true, value: "ack" };
          if (data === "f:bcc:msg") return { ok: true, value: "msg" };
          if (data === "f:bcc:aud") return { ok: true, value: "aud" };
          return undefined;
        },
        hintKey: "flow.use_buttons",
      });
      if (answer.kind === "value" && answer.value === "ack") {
        ackRequested = !ackRequested;
        cur = answer.ctx;
        await cur.editMessageText(confirmText(), { reply_markup: confirmKeyboard() }).catch(() => undefined);
        continue;
      }
      break;
    }
    cur = answer.ctx;
    if (answer.kind === "back") {
      await cur.editMessageReplyMarkup().catch(() => undefined);
      await cur.reply(t("siaran.cancelled"));
      return;
    }
    if (answer.value === "msg") {
      step = "message";
      continue;
    }
    if (answer.value === "aud") {
      step = "audience";
      continue;
    }

    const chatId = summary.chat.id;
    const created = await withDb(conversation, async (db, deps, octx) => {
      const user = octx.user;
      if (!user || !hasAccess(user, "staff")) return null;
      const b = await createBroadcast(db, {
        actor: user,
        audience: a,
        textHtml: d.html,
        media: d.media,
        progress: { chatId, messageId: summary.message_id },
        now: deps.now(),
        ackRequested,
      });
      if (ackRequested) {
        // Once, BROADCAST_ACK_HOURS later: reminders to those who did not confirm.
        await deps.jobs.enqueue(db, BROADCAST_ACK_JOBS.remind, { broadcastId: b.id }, {
          key: `broadcast-ack-remind:${b.id}`,
          runAt: new Date(deps.now().getTime() + deps.config.BROADCAST_ACK_HOURS * 3_600_000),
        });
      }
      await audit(db, {
        actorId: user.id,
        action: "broadcast.created",
        entity: "broadcast",
        entityId: b.id,
        details: { audience: a.kind, audienceCode: a.code, recipients: b.total, media: d.media?.kind ?? null, ackRequested },
      });
      // Delivered by the background sender; the job also serves processes that only run jobs.
      await deps.jobs.enqueue(db, "broadcast-drain", {});
      return b;
    });
    if (!created) {
      await cur.reply(t("access.staff_only"));
      return;
    }
    const progress = broadcastProgressText(
      t,
      cur.locale,
      { id: created.id, status: "sending", total: created.total, sent: 0, failed: 0, unreachable: 0, open: created.total },
      false,
    );
    const ackText = ackRequested ? `\n${t("siaran.ack_progress", { acked: formatCount(0, cur.locale), delivered: formatCount(0, cur.locale) })}` : "";
    await cur.editMessageText(`${progress}${ackText}`, {
      reply_markup: new InlineKeyboard().text(t("siaran.btn_stop"), BC.encode("stop", { id: created.id })),
    });
    return;
  }
}

export const broadcastComposeFlow: FlowDefinition = { id: BROADCAST_COMPOSE, builder: broadcastCompose };
