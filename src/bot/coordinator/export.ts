import { z } from "zod";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { hasAccess } from "../access.js";
import { defineJob } from "../jobs.js";
import { findUserById } from "../../db/queries/users.js";
import { extendJobLease } from "../../db/queries/jobs.js";
import { audit } from "../../db/queries/audit.js";
import { regionLabel } from "../../db/queries/regions.js";
import { isLocale } from "../../i18n.js";
import { localDate } from "../../domain/visit.js";
import { formatCount } from "../../domain/broadcast.js";
import { CsvPartWriter, XlsxPartWriter, finalNames, type ExportPart } from "../../lib/export-writers.js";
import {
  HOUSEHOLD_CODE_COLUMNS,
  HOUSEHOLD_HEADER,
  MEMBER_CODE_COLUMNS,
  MEMBER_HEADER,
  VISIT_CODE_COLUMNS,
  VISIT_HEADER,
  exportCounts,
  householdRows,
  memberRows,
  visitRows,
  type ExportContext,
} from "./export-data.js";
import { areaName, showTapped, staffArea, zoneOf } from "./common.js";
import { describeError } from "../errors.js";
import { EX } from "../../ui/coordinator/callback-data.js";

export const exportHandlers = new Composer<BotContext>();

/**
 * x = XLSX (households, their members and visits, one sheet each), h = CSV of households,
 * a = CSV of household members (anggota), v = CSV of visits.
 */
export const EXPORT_KINDS = ["x", "h", "a", "v"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const EXPORT_JOB = "coordinator-export";

function formatKeyboard(ctx: BotContext, mode: "m" | "f"): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text(ctx.t("ekspor.btn_xlsx"), EX.encode("go", { kind: "x", mask: mode }))
    .row()
    .text(ctx.t("ekspor.btn_csv_households"), EX.encode("go", { kind: "h", mask: mode }))
    .text(ctx.t("ekspor.btn_csv_members"), EX.encode("go", { kind: "a", mask: mode }))
    .row()
    .text(ctx.t("ekspor.btn_csv_visits"), EX.encode("go", { kind: "v", mask: mode }))
    .row();
  if (mode === "m") kb.text(ctx.t("ekspor.btn_full"), EX.encode("full", {}));
  else kb.text(ctx.t("ekspor.btn_back_masked"), EX.encode("menu", {}));
  return kb;
}

async function menuText(ctx: BotContext): Promise<string> {
  const area = staffArea(ctx.user!);
  const counts = await exportCounts(ctx.db, area);
  return ctx.t("ekspor.menu", {
    area: await areaName(ctx, area),
    households: formatCount(counts.households, ctx.locale),
    visits: formatCount(counts.visits, ctx.locale),
  });
}

guardedCommand(exportHandlers, "ekspor", async (ctx) => {
  if (ctx.user!.role === "coordinator" && !ctx.user!.area_code) {
    await ctx.reply(ctx.t("koordinator.no_area"));
    return;
  }
  await ctx.reply(await menuText(ctx), { reply_markup: formatKeyboard(ctx, "m") });
});

guardedCallback(exportHandlers, EX.match("menu"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showTapped(ctx, await menuText(ctx), formatKeyboard(ctx, "m"));
});

guardedCallback(exportHandlers, EX.match("full"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showTapped(ctx, ctx.t("ekspor.full_warning"), formatKeyboard(ctx, "f"));
});

guardedCallback(exportHandlers, EX.match("go"), "staff", async (ctx) => {
  const user = ctx.user!;
  const tap = EX.parse("go", ctx);
  if (!tap) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  if (user.role === "coordinator" && !user.area_code) {
    await ctx.answerCallbackQuery({ text: ctx.t("koordinator.no_area").slice(0, 200), show_alert: true });
    return;
  }
  const kind: ExportKind = tap.kind;
  const full = tap.mask === "f";
  const chatId = ctx.chat!.id;
  const messageId = ctx.callbackQuery?.message?.message_id ?? 0;
  await ctx.answerCallbackQuery();
  // One export per tapped menu and choice, even when the tap arrives twice.
  await ctx.deps.jobs.enqueue(ctx.db, EXPORT_JOB, { userId: user.id, chatId, kind, full }, { key: `export:${chatId}:${messageId}:${kind}:${full ? "f" : "m"}` });
  await audit(ctx.db, {
    actorId: user.id,
    action: full ? "export.requested_full_identity" : "export.requested",
    entity: "area",
    entityId: staffArea(user) ?? "ID",
    details: { kind, full },
  });
  await showTapped(ctx, ctx.t(full ? "ekspor.preparing_full" : "ekspor.preparing"));
});

/** Writes the files of an export to `dir`; returns the parts with their final names. */
export async function writeExport(
  dir: string,
  kind: ExportKind,
  ectx: ExportContext,
  opts: { base: string; splitBytes: number },
): Promise<{ parts: (ExportPart & { name: string })[]; households: number; members: number; visits: number }> {
  let households = 0;
  let members = 0;
  let visits = 0;
  let parts: ExportPart[] = [];
  let ext: string;
  if (kind === "x") {
    // Normal mode first; should a part come out above the limit, write it again strictly.
    for (const strict of [false, true]) {
      households = 0;
      members = 0;
      visits = 0;
      const w = new XlsxPartWriter(dir, opts.base, opts.splitBytes, strict);
      w.beginSheet({ name: SHEET.households, header: HOUSEHOLD_HEADER });
      for await (const row of householdRows(ectx)) {
        await w.add(row);
        households++;
      }
      w.beginSheet({ name: SHEET.members, header: MEMBER_HEADER });
      for await (const row of memberRows(ectx)) {
        await w.add(row);
        members++;
      }
      w.beginSheet({ name: SHEET.visits, header: VISIT_HEADER });
      for await (const row of visitRows(ectx)) {
        await w.add(row);
        visits++;
      }
      parts = await w.finish();
      if (parts.every((p) => p.bytes <= opts.splitBytes)) break;
      await Promise.all(parts.map((p) => rm(p.path, { force: true })));
    }
    ext = "xlsx";
  } else {
    const [header, codes, rows, sheet] =
      kind === "h"
        ? [HOUSEHOLD_HEADER, HOUSEHOLD_CODE_COLUMNS, householdRows(ectx), SHEET.households]
        : kind === "a"
          ? [MEMBER_HEADER, MEMBER_CODE_COLUMNS, memberRows(ectx), SHEET.members]
          : [VISIT_HEADER, VISIT_CODE_COLUMNS, visitRows(ectx), SHEET.visits];
    const w = new CsvPartWriter(dir, opts.base, header, opts.splitBytes, { textColumns: codes });
    for await (const row of rows) {
      await w.add(row);
      if (kind === "h") households++;
      else if (kind === "a") members++;
      else visits++;
    }
    // A CSV has one unnamed sheet: name it after what it holds, for the caption.
    parts = (await w.finish()).map((p) => ({ ...p, sheets: p.sheets.map((x) => ({ ...x, name: sheet })) }));
    ext = "csv";
  }
  const names = finalNames(parts, opts.base, ext);
  return { parts: parts.map((p, i) => ({ ...p, name: names[i]! })), households, members, visits };
}

/** Sheet names of the XLSX (and what a CSV holds). */
const SHEET = { households: "Keluarga", members: "Anggota keluarga", visits: "Kunjungan" } as const;

/** "1.234 keluarga, 56 anggota keluarga, 2.345 kunjungan": what one file holds, by sheet. */
export function partContents(t: (key: string, opts?: Record<string, unknown>) => string, part: ExportPart, locale: string): string {
  const key: Record<string, string> = { [SHEET.households]: "ekspor.count_households", [SHEET.members]: "ekspor.count_members", [SHEET.visits]: "ekspor.count_visits" };
  const counts = new Map<string, number>();
  for (const s of part.sheets) counts.set(s.name, (counts.get(s.name) ?? 0) + s.rows);
  const said = [SHEET.households, SHEET.members, SHEET.visits]
    .filter((name) => counts.has(name))
    .map((name) => t(key[name]!, { count: formatCount(counts.get(name)!, locale) }));
  return said.length > 0 ? said.join(", ") : t("ekspor.count_empty");
}

/**
 * Builds the export in a temporary folder (streamed: pages of 1,000 rows, nothing of the
 * area held in memory), sends each file as a document, then deletes the folder. Access is
 * checked again with the account as it is now; the area is the account's current one.
 */
const exportPayload = z.object({ userId: z.number().int(), chatId: z.number().int(), kind: z.string(), full: z.boolean() });
export const exportJob = defineJob(EXPORT_JOB, exportPayload, async ({ deps, api, job, log }, payload) => {
  const userId = Number(payload.userId);
  const chatId = Number(payload.chatId);
  const kind = String(payload.kind) as ExportKind;
  const full = payload.full === true;
  if (!EXPORT_KINDS.includes(kind)) return;
  const user = await findUserById(deps.db, userId);
  const t = deps.i18n.t(user && isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
  if (!user || !hasAccess(user, "staff") || (user.role === "coordinator" && !user.area_code)) {
    await api.sendMessage(chatId, t("access.staff_only"), { parse_mode: "HTML" }).catch(() => undefined);
    return;
  }
  const area = staffArea(user);
  const zone = await zoneOf(deps.db, area);
  const today = localDate(deps.now(), zone.tz);
  const label = area ? ((await regionLabel(deps.db, area, { full: false })) ?? area) : t("koordinator.whole_country");
  const what = kind === "x" ? "keluarga-kunjungan" : kind === "h" ? "keluarga" : kind === "a" ? "anggota-keluarga" : "kunjungan";
  const base = `pendamping_${what}_${(area ?? "indonesia").replace(/\./g, "")}_${today}`;
  const dir = await mkdtemp(join(tmpdir(), "pendamping-export-"));
  const started = Date.now();
  try {
    const result = await writeExport(
      dir,
      kind,
      {
        db: deps.db,
        pii: deps.pii,
        t: deps.i18n.t("id"),
        area,
        full,
        onPage: () => extendJobLease(deps.db, job.id, 300, deps.now()),
      },
      { base, splitBytes: deps.config.EXPORT_SPLIT_BYTES },
    );
    const total = result.parts.length;
    for (const [i, part] of result.parts.entries()) {
      await api.sendDocument(chatId, new InputFile(createReadStream(part.path), part.name), {
        caption:
          t(full ? "ekspor.caption_full" : "ekspor.caption", {
            what: t(`ekspor.what_${kind}`),
            area: label,
            rows: partContents(t, part, user.locale),
            part: i + 1,
            parts: total,
          }) + (kind === "x" ? "" : `\n${t("ekspor.csv_note")}`),
        parse_mode: "HTML",
      });
    }
    await audit(deps.db, {
      actorId: user.id,
      action: full ? "export.created_full_identity" : "export.created",
      entity: "area",
      entityId: area ?? "ID",
      details: { kind, full, households: result.households, members: result.members, visits: result.visits, files: total },
    });
    log.info({ kind, full, households: result.households, members: result.members, visits: result.visits, files: total, ms: Date.now() - started }, "export sent");
  } catch (err) {
    log.warn({ err: describeError(err) }, "export failed");
    await api.sendMessage(chatId, t("ekspor.failed"), { parse_mode: "HTML" }).catch(() => undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
