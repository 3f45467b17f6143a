import { InlineKeyboard } from "grammy";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { withDb, type Answer } from "../kit/ask.js";
import { askQuestion } from "../kit/form.js";
import { choice, number, text } from "../kit/questions.js";
import { pickRegion } from "../kit/region-picker.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";
import { isWithinArea } from "../../domain/region-names.js";
import { activeVolunteersIn, targetRows, upsertTarget } from "../../db/queries/fieldwork.js";
import { findAreaVolunteer } from "../../db/queries/coordinator.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { localDate } from "../../domain/visit.js";
import { MAX_TARGET, addMonths, formatMonth, isMonth, monthOf, type Month } from "../../domain/fieldwork/targets.js";
import { encodeFw } from "../../ui/fieldwork/callback-data.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const SET_TARGET = "fw-target";

/** Months ahead a target may be set for. */
const MONTHS_AHEAD = 12;
/** Volunteers offered as buttons at once (typing a name narrows the list). */
const VOLUNTEER_BUTTONS = 10;

interface Setup {
  /** The staff area: a region code, or null for an admin (the whole country). */
  area: string | null;
  areaLabel: string;
  thisMonth: Month;
}

type Who = { kind: "area"; code: string; label: string } | { kind: "volunteer"; id: number; name: string };

interface Existing {
  visits: number;
  registrations: number;
}

type Picked = { id: number; name: string } | { query: string };

interface VolunteerList {
  total: number;
  hits: number;
  rows: { id: number; name: string }[];
}

type Step = "month" | "who" | "area" | "volunteer" | "visits" | "registrations" | "review";

/**
 * /target: a coordinator (or an admin) sets the monthly target of one volunteer, or of an
 * area (the target of each volunteer working in it who has none of their own): visits and
 * new registrations. Every step has "Kembali"; the save checks the area once more.
 */
async function setTarget(conversation: Convo, ctx: FlowContext, monthArg?: unknown): Promise<void> {
  const setup = await withDb(conversation, async (db, deps, octx): Promise<Setup | null> => {
    const area = staffAreaOf(scopeOf(octx.user));
    if (area === undefined) return null;
    const zone = area ? await regionTimezone(db, area) : null;
    return {
      area,
      areaLabel: area ? ((await regionLabel(db, area, { full: false })) ?? area) : octx.t("koordinator.whole_country"),
      thisMonth: monthOf(localDate(deps.now(), zone?.tz ?? "Asia/Jakarta")),
    };
  });
  if (!setup) {
    await ctx.reply(ctx.t("fieldwork.target_denied"));
    return;
  }
  const allowed = (m: Month) => m >= setup.thisMonth && m <= addMonths(setup.thisMonth, MONTHS_AHEAD);
  let month: Month | null = isMonth(monthArg) && allowed(monthArg) ? monthArg : null;
  let who: Who | null = null;
  let visits: number | null = null;
  let registrations: number | null = null;
  let existing: Existing | null = null;
  let step: Step = month ? "who" : "month";
  let c = ctx;

  const loadExisting = async (m: Month, w: Who): Promise<Existing | null> =>
    withDb(conversation, async (db): Promise<Existing | null> => {
      const rows = await targetRows(db, m, w.kind === "volunteer" ? [w.id] : []);
      const row = rows.find((r) => (w.kind === "volunteer" ? r.volunteerId === w.id : r.areaCode === w.code));
      return row ? { visits: row.visits, registrations: row.registrations } : null;
    });

  for (;;) {
    switch (step) {
      case "month": {
        const next = addMonths(setup.thisMonth, 1);
        const a = await askQuestion(
          conversation,
          c,
          choice<Month>(c, {
            text: c.t("fieldwork.target_ask_month"),
            options: [
              { value: setup.thisMonth, label: c.t("fieldwork.target_month_this", { month: formatMonth(setup.thisMonth, c.locale) }) },
              { value: next, label: c.t("fieldwork.target_month_next", { month: formatMonth(next, c.locale) }) },
            ],
            current: month,
            hint: c.t("fieldwork.target_month_hint"),
          }),
        );
        c = a.ctx;
        if (a.kind === "back") {
          await c.reply(c.t("fieldwork.target_left"));
          return;
        }
        month = a.value;
        step = "who";
        break;
      }
      case "who": {
        const a = await askQuestion(
          conversation,
          c,
          choice<"area" | "volunteer">(c, {
            text: c.t("fieldwork.target_ask_who", { month: formatMonth(month!, c.locale) }),
            options: [
              { value: "volunteer", label: c.t("fieldwork.target_who_volunteer") },
              { value: "area", label: c.t("fieldwork.target_who_area") },
            ],
          }),
        );
        c = a.ctx;
        if (a.kind === "back") {
          if (isMonth(monthArg)) {
            await c.reply(c.t("fieldwork.target_left"));
            return;
          }
          step = "month";
          break;
        }
        step = a.value === "area" ? "area" : "volunteer";
        break;
      }
      case "area": {
        const picked = await pickRegion(conversation, c, {
          level: "coordinator-area",
          within: setup.area,
          defaultCode: setup.area,
          prompt: c.t("fieldwork.target_ask_area"),
        });
        c = picked.ctx;
        if (picked.kind === "back") {
          step = "who";
          break;
        }
        if (setup.area !== null && !isWithinArea(picked.value, setup.area)) {
          await c.reply(c.t("fieldwork.target_denied"));
          step = "who";
          break;
        }
        who = { kind: "area", code: picked.value, label: picked.label };
        existing = await loadExisting(month!, who);
        step = "visits";
        break;
      }
      case "volunteer": {
        let query: string | null = null;
        let chosen: Who | null = null;
        let back = false;
        // Each round narrows the list by a typed name; a handful of rounds is plenty.
        for (let round = 0; round < 6 && !chosen && !back; round++) {
          const q: string | null = query;
          const list: VolunteerList = await withDb(conversation, async (db): Promise<VolunteerList> => {
            const all = await activeVolunteersIn(db, setup.area);
            const needle = q?.toLowerCase() ?? "";
            const hits = needle ? all.filter((v) => (v.name ?? "").toLowerCase().includes(needle)) : all;
            return { total: all.length, rows: hits.slice(0, VOLUNTEER_BUTTONS).map((v) => ({ id: v.id, name: v.name ?? `#${v.id}` })), hits: hits.length };
          });
          if (list.total === 0) {
            await c.reply(c.t("fieldwork.target_no_volunteers"));
            back = true;
            break;
          }
          const prompt: string =
            q && list.hits === 0
              ? c.t("fieldwork.target_volunteer_none_found", { query: q })
              : c.t("fieldwork.target_ask_volunteer", { n: list.hits, shown: list.rows.length });
          const a: Answer<Picked | null> = await askQuestion(
            conversation,
            c,
            text<Picked>(c, {
              prompt,
              extra: list.rows.map((v, i) => ({ label: v.name, data: `f:v:${i}`, value: v })),
              validate: (typed) => ({ ok: true, value: { query: typed.slice(0, 40) } }),
              hint: c.t("fieldwork.target_volunteer_hint"),
            }),
          );
          c = a.ctx;
          if (a.kind === "back" || a.value === null) {
            back = true;
            break;
          }
          if ("id" in a.value) chosen = { kind: "volunteer", id: a.value.id, name: a.value.name };
          else query = a.value.query;
        }
        if (!chosen) {
          step = "who";
          break;
        }
        who = chosen;
        existing = await loadExisting(month!, who);
        step = "visits";
        break;
      }
      case "visits": {
        const cur: Existing | null = existing;
        const a: Answer<number | null> = await askQuestion(
          conversation,
          c,
          number(c, {
            prompt: [
              c.t("fieldwork.target_ask_visits", { month: formatMonth(month!, c.locale), who: whoLabel(c, who!) }),
              ...(cur ? [c.t("fieldwork.target_current", { visits: cur.visits, regs: cur.registrations })] : []),
            ].join("\n"),
            min: 0,
            max: MAX_TARGET,
            buttons: [5, 10, 15, 20, 25, 30, 40, 50],
            current: visits ?? cur?.visits ?? null,
            error: c.t("fieldwork.target_number_invalid", { max: MAX_TARGET }),
          }),
        );
        c = a.ctx;
        if (a.kind === "back") {
          step = who!.kind === "area" ? "area" : "volunteer";
          break;
        }
        visits = a.value ?? 0;
        step = "registrations";
        break;
      }
      case "registrations": {
        const cur: Existing | null = existing;
        const a: Answer<number | null> = await askQuestion(
          conversation,
          c,
          number(c, {
            prompt: c.t("fieldwork.target_ask_registrations", { month: formatMonth(month!, c.locale) }),
            min: 0,
            max: MAX_TARGET,
            buttons: [0, 1, 2, 3, 5, 10],
            columns: 3,
            current: registrations ?? cur?.registrations ?? null,
            error: c.t("fieldwork.target_number_invalid", { max: MAX_TARGET }),
          }),
        );
        c = a.ctx;
        if (a.kind === "back") {
          step = "visits";
          break;
        }
        registrations = a.value ?? 0;
        step = "review";
        break;
      }
      case "review": {
        const a = await askQuestion(
          conversation,
          c,
          choice<"save">(c, {
            text: c.t("fieldwork.target_review", {
              month: formatMonth(month!, c.locale),
              who: whoLabel(c, who!),
              visits: visits!,
              regs: registrations!,
            }),
            options: [{ value: "save", label: c.t("common.save") }],
          }),
        );
        c = a.ctx;
        if (a.kind === "back") {
          step = "registrations";
          break;
        }
        const m = month!;
        const w = who!;
        const v = visits!;
        const r = registrations!;
        const ok = await withDb(conversation, async (db, deps, octx) => {
          const user = octx.user;
          const area = staffAreaOf(scopeOf(user));
          if (!user || area === undefined) return false;
          if (w.kind === "volunteer" && !(await findAreaVolunteer(db, area, w.id))) return false;
          if (w.kind === "area" && area !== null && !isWithinArea(w.code, area)) return false;
          await upsertTarget(db, {
            month: m,
            volunteerId: w.kind === "volunteer" ? w.id : null,
            areaCode: w.kind === "area" ? w.code : null,
            visits: v,
            registrations: r,
            setBy: user.id,
            now: deps.now(),
          });
          await audit(db, {
            actorId: user.id,
            action: "target.set",
            entity: w.kind === "volunteer" ? "user" : "area",
            entityId: w.kind === "volunteer" ? w.id : w.code,
            details: { month: m, visits: v, registrations: r },
          });
          return true;
        });
        if (!ok) {
          await c.reply(c.t("fieldwork.target_denied"));
          return;
        }
        await c.reply(c.t("fieldwork.target_saved", { month: formatMonth(m, c.locale), who: whoLabel(c, w), visits: v, regs: r }), {
          reply_markup: new InlineKeyboard().text(c.t("fieldwork.btn_view_targets"), encodeFw({ k: "targets", month: m })),
        });
        return;
      }
    }
  }
}

function whoLabel(c: FlowContext, w: Who): string {
  return w.kind === "volunteer" ? w.name : c.t("fieldwork.target_who_area_label", { area: w.label });
}

export const setTargetFlow: FlowDefinition = { id: SET_TARGET, builder: setTarget };
