/**
 * "Pindahkan keluarga": a coordinator moves households from one volunteer to another (e.g.
 * when a volunteer stops). From /relawan (choose which of the volunteer's households) or
 * from a household card (that one household). Steps: households → new volunteer (buttons,
 * or type a name to search) → confirm. Both volunteers are told (a job), every move is
 * audited. Area and ownership are checked again when saving.
 */
import { InlineKeyboard } from "grammy";
import { truncate } from "../../lib/text.js";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { ask, BACK, flowData, textOf, withDb } from "../kit/ask.js";
import { askMulti } from "../kit/choice.js";
import { hasAccess } from "../../domain/access.js";
import { formatRefCode } from "../../domain/refcode.js";
import { findAreaVolunteer, inArea, listAreaVolunteers, reassignHouseholds } from "../../db/queries/coordinator.js";
import { regionLabel } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import type { User } from "../../db/schema.js";

export const REASSIGN_FLOW = "coordinator-reassign";

export interface ReassignArgs {
  /** The volunteer the households are taken from (null: households without a volunteer). */
  from: number | null;
  /** Preselected households (from a household card); otherwise chosen in the flow. */
  householdIds?: number[];
}

const PAGE = 8;
const MAX_SELECTABLE = 400;

const areaOf = (u: User) => (u.role === "admin" ? null : u.area_code);

async function reassign(conversation: Convo, ctx: FlowContext, args?: ReassignArgs): Promise<void> {
  const t = ctx.t;
  const fromId = typeof args?.from === "number" && Number.isInteger(args.from) ? args.from : null;
  const preset = Array.isArray(args?.householdIds) ? args.householdIds.filter((x) => Number.isInteger(x)).slice(0, MAX_SELECTABLE) : null;

  const start = await withDb(conversation, async (db, _deps, octx) => {
    const user = octx.user;
    if (!user || !hasAccess(user, "staff")) return null;
    const area = areaOf(user);
    if (user.role === "coordinator" && area === null) return null;
    const from = fromId === null ? null : await findAreaVolunteer(db, area, fromId);
    if (fromId !== null && !from) return null;
    let q = db
      .selectFrom("households")
      .select(["id", "ref_code", "head_name"])
      .where(inArea<"households">("households.village_code", area))
      .where("anonymized_at", "is", null)
      .where((eb) => (fromId === null ? eb("volunteer_id", "is", null) : eb("volunteer_id", "=", fromId)));
    if (preset) q = q.where("id", "in", preset.length > 0 ? preset : [-1]);
    const households = await q.orderBy("ref_code").limit(MAX_SELECTABLE).execute();
    return { area, fromName: from?.name ?? t("relawan.nobody"), households };
  });
  if (!start) {
    await ctx.reply(t("access.not_yours"));
    return;
  }
  if (start.households.length === 0) {
    await ctx.reply(t("relawan.reassign_none", { name: start.fromName }));
    return;
  }

  let cur: FlowContext = ctx;
  let chosen: number[] | null = preset ? start.households.map((h) => h.id) : null;
  let target: { id: number; name: string } | null = null;
  let step: "households" | "target" | "confirm" = chosen ? "target" : "households";

  for (;;) {
    if (step === "households") {
      const answer = await askMulti(conversation, cur, {
        text: t("relawan.reassign_pick_households", { name: start.fromName, count: start.households.length }),
        options: start.households.map((h) => ({ value: String(h.id), label: truncate(`${formatRefCode(h.ref_code)} · ${h.head_name}`, 60) })),
        initial: chosen?.map(String) ?? [],
        min: 1,
      });
      cur = answer.ctx;
      if (answer.kind === "back") {
        await cur.reply(t("relawan.reassign_cancelled"));
        return;
      }
      chosen = answer.value.map(Number);
      step = "target";
      continue;
    }

    if (step === "target") {
      let offset = 0;
      let query = "";
      let picked: { id: number; name: string } | "back" | null = null;
      let first = true;
      while (picked === null) {
        const page = await withDb(conversation, async (db, _deps, octx) => {
          const res = await listAreaVolunteers(db, areaOf(octx.user!), {
            limit: PAGE,
            offset,
            excludeId: fromId ?? undefined,
            activeOnly: true,
            query,
          });
          const rows = [];
          for (const r of res.rows) {
            rows.push({
              id: r.id,
              name: r.name ?? "–",
              place: r.area_code ? ((await regionLabel(db, r.area_code, { full: false }))?.split(" — ")[0] ?? r.area_code) : "",
              households: r.households,
            });
          }
          return { rows, total: res.total };
        });
        const kb = new InlineKeyboard();
        for (const r of page.rows) kb.text(truncate(`${r.name} · ${r.place} (${r.households})`, 60), `f:rv:${r.id}`).row();
        if (offset > 0) kb.text(t("common.prev_page"), `f:rvp:${Math.max(0, offset - PAGE)}`);
        if (offset + PAGE < page.total) kb.text(t("common.next_page"), `f:rvp:${offset + PAGE}`);
        kb.row().text(t("common.back"), BACK);
        const text =
          page.total === 0
            ? t(query ? "relawan.target_none_found" : "relawan.target_none", { query })
            : t("relawan.reassign_pick_target", { count: chosen!.length, query });
        const ids = new Set(page.rows.map((r) => r.id));
        const answer = await ask<{ kind: "pick"; id: number } | { kind: "page"; offset: number } | { kind: "search"; query: string }>(conversation, {
          // Page taps edit the list in place; a typed search gets a new list.
          question: () =>
            !first && cur.callbackQuery?.message
              ? cur.editMessageText(text, { reply_markup: kb }).catch(() => cur.reply(text, { reply_markup: kb }))
              : cur.reply(text, { reply_markup: kb }),
          parse: (c) => {
            const data = flowData(c);
            if (data?.startsWith("f:rv:")) {
              const id = Number(data.slice(5));
              return ids.has(id) ? { ok: true, value: { kind: "pick", id } } : undefined;
            }
            if (data?.startsWith("f:rvp:")) return { ok: true, value: { kind: "page", offset: Number(data.slice(6)) || 0 } };
            const typed = textOf(c);
            if (typed === undefined) return undefined;
            if (typed.length < 2) return { ok: false, error: c.t("relawan.search_too_short") };
            return { ok: true, value: { kind: "search", query: truncate(typed, 40) } };
          },
          hintKey: "relawan.target_hint",
        });
        first = false;
        cur = answer.ctx;
        if (answer.kind === "back") {
          picked = "back";
          break;
        }
        const v = answer.value;
        if (v.kind === "page") offset = v.offset;
        else if (v.kind === "search") {
          query = v.query;
          offset = 0;
        } else {
          const row = page.rows.find((r) => r.id === v.id)!;
          picked = { id: row.id, name: row.name };
        }
      }
      if (picked === "back") {
        if (preset) {
          await cur.reply(t("relawan.reassign_cancelled"));
          return;
        }
        step = "households";
        continue;
      }
      target = picked;
      step = "confirm";
      continue;
    }

    const kb = new InlineKeyboard().text(t("relawan.btn_confirm_move"), "f:rvc:yes").row().text(t("common.back"), BACK);
    const answer = await ask<"yes">(conversation, {
      question: () => cur.reply(t("relawan.reassign_confirm", { count: chosen!.length, from: start.fromName, to: target!.name }), { reply_markup: kb }),
      parse: (c) => (flowData(c) === "f:rvc:yes" ? { ok: true, value: "yes" } : undefined),
      hintKey: "flow.use_buttons",
    });
    cur = answer.ctx;
    if (answer.kind === "back") {
      step = "target";
      continue;
    }
    const toId = target!.id;
    const ids = chosen!;
    const result = await withDb(conversation, async (db, deps, octx) => {
      const user = octx.user;
      if (!user || !hasAccess(user, "staff")) return null;
      const { moved } = await reassignHouseholds(db, { area: areaOf(user), householdIds: ids, fromId, toId, now: deps.now() });
      for (const h of moved) {
        await audit(db, { actorId: user.id, action: "household.reassigned", entity: "household", entityId: h.id, details: { from: fromId, to: toId } });
      }
      if (moved.length > 0) {
        await deps.jobs.enqueue(db, "reassign-notify", { fromId, toId, householdIds: moved.map((h) => h.id) });
      }
      return moved.length;
    });
    if (result === null) {
      await cur.reply(t("access.staff_only"));
      return;
    }
    await cur.editMessageReplyMarkup().catch(() => undefined);
    await cur.reply(
      result === 0
        ? t("relawan.reassign_nothing")
        : t("relawan.reassign_done", { count: result, to: target!.name }) +
            (ids.length > result ? `\n${t("relawan.reassign_skipped", { count: ids.length - result })}` : ""),
    );
    return;
  }
}

export const reassignFlow: FlowDefinition = { id: REASSIGN_FLOW, builder: reassign };
