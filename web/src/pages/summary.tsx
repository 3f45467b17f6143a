import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { fmtDate, fmtNumber, t, word } from "../i18n";
import { href, navigate, type Route } from "../router";
import type { Me, Summary } from "../types";
import { ErrorBox, Loading, useApi } from "../ui";

const STATUSES = ["terdaftar", "diverifikasi", "diusulkan", "menerima_bantuan", "selesai", "ditolak"];

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Visits per week, 12 weeks, as bars (uPlot). */
function WeeklyChart({ weekly }: { weekly: Summary["figures"]["weekly"] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const labels = weekly.map((w) => fmtDate(w.weekStart).replace(/\s\d{4}$/, ""));
    const text = cssVar("--hint", "#888");
    const bar = cssVar("--button", "#2481cc");
    const grid = cssVar("--grid", "rgba(128,128,128,0.2)");
    const xs = weekly.map((_, i) => i);
    const ys = weekly.map((w) => w.count);
    const plot = new uPlot(
      {
        width: Math.max(260, box.clientWidth),
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.6, weekly.length - 0.4] }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
        axes: [
          {
            stroke: text,
            grid: { show: false },
            ticks: { show: false },
            splits: () => xs,
            values: (_u, splits) => splits.map((i) => (i % 2 === 1 && weekly.length > 8 ? "" : (labels[i] ?? ""))),
          },
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 40 },
        ],
        series: [{}, { label: t("dashboard.summary.chart_series"), fill: bar, stroke: bar, width: 0, paths: uPlot.paths.bars!({ size: [0.65, 48] }), points: { show: false } }],
      },
      [xs, ys],
      box,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(260, box.clientWidth), height: 220 }));
    ro.observe(box);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [weekly]);
  const total = weekly.reduce((a, w) => a + w.count, 0);
  return (
    <figure class="chart">
      <figcaption>{t("dashboard.summary.chart_title", { weeks: weekly.length })}</figcaption>
      <div ref={el} class="chart-box" role="img" aria-label={t("dashboard.summary.chart_aria", { weeks: weekly.length, total: fmtNumber(total) })} />
    </figure>
  );
}

function Stat({ label, value, sub, to, alert }: { label: string; value: number; sub?: string; to?: string; alert?: boolean }) {
  const body = (
    <>
      <span class="stat-label">{label}</span>
      <span class={alert && value > 0 ? "stat-value warn" : "stat-value"}>{fmtNumber(value)}</span>
      {sub && <span class="stat-sub">{sub}</span>}
    </>
  );
  return to ? (
    <a class="stat" href={to}>
      {body}
    </a>
  ) : (
    <div class="stat">{body}</div>
  );
}

export function SummaryPage({ me, route }: { me: Me; route: Route }) {
  const area = route.query.get("area") ?? "";
  const { data, error, loading, reload } = useApi<Summary>("summary", { area });
  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const f = data.figures;
  const top = Math.max(1, ...STATUSES.map((s) => f.byStatus[s] ?? 0));
  const scopeDepth = me.scope.path.length;
  // Breadcrumb: from the user's own area down to the one shown.
  const crumbs = data.path.slice(Math.max(0, scopeDepth - 1));
  const areaQuery = area ? { area } : {};
  return (
    <section class={loading ? "page busy" : "page"} aria-busy={loading}>
      <div class="page-head">
        <h1>{t("dashboard.summary.title")}</h1>
        <nav class="crumbs" aria-label={t("dashboard.summary.crumbs")}>
          {me.scope.code === null && (
            <a href={href("ringkasan")} class={area === "" ? "current" : ""}>
              {t("dashboard.whole_country")}
            </a>
          )}
          {crumbs.map((c, i) => (
            <a key={c.code} href={href("ringkasan", null, i === 0 && me.scope.code !== null ? {} : { area: c.code })} class={i === crumbs.length - 1 ? "current" : ""}>
              {c.name}
            </a>
          ))}
        </nav>
        <p class="hint">{t("dashboard.summary.as_of", { date: fmtDate(f.today), zone: data.zone.label })}</p>
      </div>

      <div class="stats">
        <Stat label={t("dashboard.summary.households")} value={f.households} to={href("keluarga", null, areaQuery)} />
        <Stat
          label={t("dashboard.summary.visits_week")}
          value={f.visits.week}
          sub={t("dashboard.summary.this_month", { n: fmtNumber(f.visits.month) })}
        />
        <Stat
          label={t("dashboard.summary.registrations_week")}
          value={f.registrations.week}
          sub={t("dashboard.summary.this_month", { n: fmtNumber(f.registrations.month) })}
        />
        <Stat
          label={t("dashboard.summary.overdue", { days: me.config.overdueDays })}
          value={f.overdue}
          to={href("keluarga", null, { ...areaQuery, overdue: 1 })}
          alert
        />
        <Stat
          label={t("dashboard.summary.open_alerts")}
          value={f.alerts.open}
          sub={t("dashboard.summary.unresolved", { n: fmtNumber(f.alerts.unresolved) })}
          to={href("peringatan")}
          alert
        />
        <Stat
          label={t("dashboard.summary.volunteers")}
          value={f.volunteers.active}
          sub={t("dashboard.summary.volunteers_sub", { active30: fmtNumber(f.volunteers.active30), pending: fmtNumber(f.volunteers.pending) })}
          to={href("target", null, areaQuery)}
        />
      </div>

      <div class="two">
        <div class="panel">
          <h2>{t("dashboard.summary.by_status")}</h2>
          <ul class="bars">
            {STATUSES.map((s) => (
              <li key={s}>
                <a href={href("keluarga", null, { ...areaQuery, status: s })}>
                  <span class="bar-label">{word("vocab.status", s)}</span>
                  <span class="bar-track">
                    <span class={`bar-fill status-${s}`} style={{ width: `${((f.byStatus[s] ?? 0) / top) * 100}%` }} />
                  </span>
                  <span class="bar-value">{fmtNumber(f.byStatus[s] ?? 0)}</span>
                </a>
              </li>
            ))}
          </ul>
        </div>
        <div class="panel">
          <h2>{t("dashboard.summary.by_ppks")}</h2>
          {f.byPpks.length === 0 ? (
            <p class="hint">{t("dashboard.summary.none")}</p>
          ) : (
            <ul class="plain">
              {f.byPpks.slice(0, 8).map((p) => (
                <li key={p.code}>
                  <a href={href("keluarga", null, { ...areaQuery, ppks: p.code })}>{word("vocab.ppks", p.code)}</a>
                  <span class="num">{fmtNumber(p.n)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>

      <div class="panel">
        <WeeklyChart weekly={f.weekly} />
      </div>

      {data.breakdown.length > 0 && (
        <div class="panel">
          <h2>{t(`dashboard.summary.breakdown_${data.level ?? 3}`)}</h2>
          <p class="hint">{t("dashboard.summary.drill_hint")}</p>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{t("dashboard.summary.col_region")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_households")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_visits")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_registrations")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_overdue")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_alerts")}</th>
                  <th scope="col" class="num">{t("dashboard.summary.col_volunteers")}</th>
                </tr>
              </thead>
              <tbody>
                {data.breakdown.map((r) => (
                  <tr key={r.code} class="clickable" tabIndex={0} onClick={() => navigate(href("ringkasan", null, { area: r.code }))} onKeyDown={(e) => e.key === "Enter" && navigate(href("ringkasan", null, { area: r.code }))}>
                    <th scope="row">
                      <a href={href("ringkasan", null, { area: r.code })}>{r.name}</a>
                    </th>
                    <td class="num">{fmtNumber(r.households)}</td>
                    <td class="num">{fmtNumber(r.visitsMonth)}</td>
                    <td class="num">{fmtNumber(r.registrationsMonth)}</td>
                    <td class={r.overdue > 0 ? "num warn" : "num"}>{fmtNumber(r.overdue)}</td>
                    <td class={r.openAlerts > 0 ? "num warn" : "num"}>{fmtNumber(r.openAlerts)}</td>
                    <td class="num">{fmtNumber(r.volunteers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
