import { InlineKeyboard } from "grammy";
import type { Household, User } from "../../db/schema.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { formatRefCode } from "../../domain/refcode.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { calendarDateOf, formatDateId, type ZoneLike } from "../../domain/dates.js";
import { escapeHtml } from "../../lib/html.js";
import type { BotContext } from "../context.js";

/**
 * The card's keyboard: the buttons of every feature's card actions (`Feature.cardActions`),
 * in the order of the features, one button per row (labels stay readable on a small phone).
 * A new button needs nothing here: its feature lists a provider.
 */
export async function cardKeyboard(ctx: BotContext, h: Household): Promise<InlineKeyboard> {
  const kb = new InlineKeyboard();
  for (const provider of ctx.cardActions) {
    for (const action of await provider(ctx, h)) kb.text(action.label, action.data).row();
  }
  return kb;
}

/** A stored date as the household's local calendar date ("2 Desember 2026"), or "–". */
function dateLabel(ctx: BotContext, value: Date | string | null, zone: ZoneLike): string {
  if (!value) return "–";
  return formatDateId(calendarDateOf(value, zone), ctx.locale);
}

/**
 * The household card (masked): what volunteers and coordinators see when they open a
 * household. Decrypts NIK and KK only to mask them. The caller has checked access.
 */
export async function renderHouseholdCard(ctx: BotContext, h: Household): Promise<{ text: string; reply_markup: InlineKeyboard }> {
  const t = ctx.t;
  const village = (await regionLabel(ctx.db, h.village_code)) ?? h.village_code;
  const zone = await regionTimezone(ctx.db, h.village_code);
  const volunteer = h.volunteer_id
    ? await ctx.db.selectFrom("users").select(["name"]).where("id", "=", h.volunteer_id).executeTakeFirst()
    : undefined;
  const nik = h.head_nik_enc ? maskNik(ctx.deps.pii.decrypt(h.head_nik_enc)) : "–";
  const kk = h.kk_enc ? maskKk(ctx.deps.pii.decrypt(h.kk_enc)) : "–";
  const list = (codes: string[], ns: string) => (codes.length === 0 ? "–" : codes.map((c) => t(`vocab.${ns}.${c}`)).join(", "));
  const lines = [
    t("card.title", { code: formatRefCode(h.ref_code), name: h.head_name }),
    t("card.status", { status: t(`vocab.status.${h.status}`) }) + (h.status_reason ? ` — ${escapeHtml(h.status_reason)}` : ""),
    t("card.nik_kk", { nik, kk }),
    t("card.address", {
      village,
      rt: h.rt ?? "–",
      rw: h.rw ?? "–",
      address: h.address ?? "–",
    }),
    t("card.members", { count: h.member_count }),
    t("card.ppks", { list: list(h.ppks, "ppks") }),
    t("card.housing", { housing: h.housing ? t(`vocab.housing.${h.housing}`) : "–" }),
    t("card.programmes", {
      list: h.programmes.length === 0 ? t("vocab.programme.none") : list(h.programmes, "programme"),
    }),
    t("card.needs", { list: list(h.needs, "need") }),
    t("card.volunteer", { name: volunteer?.name ?? "–" }),
    t("card.dates", {
      registered: dateLabel(ctx, h.created_at, zone),
      last: dateLabel(ctx, h.last_visit_at, zone),
      next: dateLabel(ctx, h.next_visit_date, zone),
    }),
  ];
  if (h.anonymized_at) lines.push(t("card.anonymized"));
  return { text: lines.join("\n"), reply_markup: await cardKeyboard(ctx, h) };
}

/** Who registered a household may see it; coordinators of the area too (see access.ts). */
export type { User };
