/**
 * The final report of a check-in: an XLSX with one row per household of the event (NIK
 * masked), streamed to a temporary file (pages of 1,000 rows, nothing of the event held in
 * memory) and split like /ekspor when it would exceed the upload limit.
 *
 * @module
 */
import { rm } from "node:fs/promises";
import type { Db } from "../../db/schema.js";
import type { PiiCrypto } from "../../pii.js";
import type { TFunction } from "../../i18n.js";
import { reportRows, type CekamanEvent } from "../../db/queries/cekaman.js";
import { maskNik } from "../../domain/mask.js";
import { formatRefCode } from "../../domain/refcode.js";
import { displayRegionName } from "../../domain/region-names.js";
import { XlsxPartWriter, finalNames, type ExportPart } from "../../lib/export-writers.js";
import type { Zone } from "../../ui/cekaman/render.js";

/** Column titles (in the report's language). */
export function reportHeader(t: TFunction): string[] {
  return [
    "no",
    "code",
    "head",
    "nik",
    "district",
    "village",
    "rt",
    "rw",
    "address",
    "priority",
    "volunteer",
    "status",
    "needs",
    "note",
    "shelter",
    "reported_by",
    "reported_via",
    "reported_at",
    "location",
    "photo",
    "reminded",
    "offered",
    "help_status",
    "help_ack",
    "help_resolved",
    "answers",
  ].map((k) => t(`cekaman.xlsx_${k}`));
}

/** "2026-12-03 09:12 WIB" in the event's zone (a spreadsheet sorts it), or "". */
function stamper(zone: Zone): (at: Date | null) => string {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone: zone.tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (at) => {
    if (!at) return "";
    const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
    return `${p["year"]}-${p["month"]}-${p["day"]} ${p["hour"]}:${p["minute"]} ${zone.label}`;
  };
}

/** Writes the report of `event` to `dir`; returns its parts with their final names and the row count. */
export async function writeReport(
  dir: string,
  opts: { db: Db; pii: PiiCrypto; t: TFunction; event: CekamanEvent; zone: Zone; base: string; splitBytes: number },
): Promise<{ parts: (ExportPart & { name: string })[]; rows: number }> {
  const { t } = opts;
  const localStamp = stamper(opts.zone);
  let parts: ExportPart[] = [];
  let rows = 0;
  // Normal mode first; should a part come out above the limit, write it again strictly.
  for (const strict of [false, true]) {
    rows = 0;
    const w = new XlsxPartWriter(dir, opts.base, opts.splitBytes, strict);
    w.beginSheet({ name: t("cekaman.xlsx_sheet"), header: reportHeader(t) });
    for await (const r of reportRows(opts.db, opts.event.id)) {
      rows++;
      const nik = r.head_nik_enc ? maskNik(opts.pii.decrypt(r.head_nik_enc)) : "";
      await w.add([
        rows,
        formatRefCode(r.ref_code),
        r.head_name,
        nik,
        r.district_name && r.district_code ? displayRegionName({ code: r.district_code, name: r.district_name }) : "",
        r.village_name ? displayRegionName({ code: r.village_code, name: r.village_name }) : r.village_code,
        r.rt ?? "",
        r.rw ?? "",
        r.address ?? "",
        r.groups.map((g) => t(`cekaman.group_${g}`)).join(", "),
        r.volunteer_name ?? "",
        t(`cekaman.status_${r.status}`),
        r.needs.map((n) => t(`cekaman.need_${n}`)).join(", "),
        r.note ?? "",
        r.shelter ?? "",
        r.answered_via === "family" ? t("cekaman.xlsx_family") : (r.answered_by_name ?? ""),
        r.answered_via ? t(`cekaman.via_${r.answered_via}`) : "",
        localStamp(r.answered_at),
        r.latitude !== null && r.longitude !== null ? `${r.latitude.toFixed(6)},${r.longitude.toFixed(6)}` : "",
        r.photo_file_id ? t("common.yes") : "",
        localStamp(r.reminded_at),
        localStamp(r.offered_at),
        r.help_status ? t(`cekaman.help_state_${r.help_status}`) : "",
        r.help_ack_name ?? "",
        r.help_resolved_name ?? "",
        r.answers,
      ]);
    }
    parts = await w.finish();
    if (strict || parts.every((p) => p.bytes <= opts.splitBytes)) break;
    await Promise.all(parts.map((p) => rm(p.path, { force: true })));
  }
  const names = finalNames(parts, opts.base, "xlsx");
  return { parts: parts.map((p, i) => ({ ...p, name: names[i]! })), rows };
}
