import { appNow, fmtAge, fmtMonth, fmtNumber, t } from "../i18n";
import { href, navigate, type Route } from "../router";
import type { Me, Targets } from "../types";
import { ErrorBox, Field, Loading, useApi } from "../ui";

export function TargetsPage({ me, route }: { me: Me; route: Route }) {
  const month = route.query.get("month") ?? "";
  const area = route.query.get("area") ?? "";
  const { data, error, loading, reload } = useApi<Targets>("targets", { month, area });
  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const now = appNow();
  const setMonth = (m: string) => navigate(href("target", null, { month: m, area }));
  return (
    <section class={loading ? "page busy" : "page"} aria-busy={loading}>
      <div class="page-head">
        <h1>{t("dashboard.targets.title")}</h1>
        <div class="filters">
          <Field label={t("dashboard.targets.month")}>
            <select value={data.month} onChange={(e) => setMonth((e.target as HTMLSelectElement).value)}>
              {data.months.map((m) => (
                <option key={m} value={m}>
                  {fmtMonth(m)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <p class="hint">
          {data.current
            ? t("dashboard.targets.pace_hint", { day: data.dayOfMonth, days: data.daysInMonth })
            : t("dashboard.targets.past_hint")}{" "}
          {t("dashboard.targets.inactive_hint", { days: data.inactiveDays })}
        </p>
        <p class={data.flagged > 0 ? "flag-summary warn" : "flag-summary"}>
          {t("dashboard.targets.flagged", { n: fmtNumber(data.flagged), total: fmtNumber(data.rows.length) })}
        </p>
      </div>
      {data.rows.length === 0 ? (
        <p class="empty">{t("dashboard.targets.none")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table targets">
            <thead>
              <tr>
                <th scope="col">{t("dashboard.targets.col_volunteer")}</th>
                <th scope="col">{t("dashboard.targets.col_visits")}</th>
                <th scope="col" class="num">{t("dashboard.targets.col_registrations")}</th>
                <th scope="col" class="num">{t("dashboard.targets.col_households")}</th>
                <th scope="col" class="num">{t("dashboard.targets.col_overdue", { days: me.config.overdueDays })}</th>
                <th scope="col">{t("dashboard.targets.col_last_active")}</th>
                <th scope="col">{t("dashboard.targets.col_flags")}</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => {
                const pct = r.target.visits > 0 ? Math.min(100, (r.visits / r.target.visits) * 100) : 100;
                const last = [r.lastActiveAt, r.lastVisitAt].filter((x): x is string => x !== null).sort().at(-1) ?? null;
                const flagged = r.belowTarget || r.inactive;
                return (
                  <tr key={r.id} class={flagged ? "flagged" : ""}>
                    <th scope="row">
                      <a href={href("keluarga", null, { volunteer: r.id })}>{r.name ?? "–"}</a>
                      <span class="sub">{r.village ?? ""}</span>
                    </th>
                    <td>
                      <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={r.target.visits} aria-valuenow={r.visits}>
                        <span class={r.belowTarget ? "progress-fill low" : "progress-fill"} style={{ width: `${pct}%` }} />
                      </div>
                      <span class="sub">
                        {t("dashboard.targets.visits_of", { n: fmtNumber(r.visits), target: fmtNumber(r.target.visits) })}
                        {data.current && r.visits < r.target.visits ? ` · ${t("dashboard.targets.expected", { n: fmtNumber(r.expectedVisits) })}` : ""}
                        {r.target.source === "default" ? ` · ${t("dashboard.targets.default_target")}` : ""}
                        {r.target.source === "area" ? ` · ${t("dashboard.targets.area_target")}` : ""}
                      </span>
                    </td>
                    <td class="num">
                      {r.target.registrations !== null
                        ? t("dashboard.targets.visits_of", { n: fmtNumber(r.registrations), target: fmtNumber(r.target.registrations) })
                        : fmtNumber(r.registrations)}
                    </td>
                    <td class="num">{fmtNumber(r.households)}</td>
                    <td class={r.overdue > 0 ? "num warn" : "num"}>
                      {r.overdue > 0 ? <a href={href("keluarga", null, { volunteer: r.id, overdue: 1 })}>{fmtNumber(r.overdue)}</a> : "0"}
                    </td>
                    <td>{last ? fmtAge(now - new Date(last).getTime()) : t("dashboard.targets.never")}</td>
                    <td>
                      {r.belowTarget && <span class="badge danger">{t("dashboard.targets.flag_below")}</span>}
                      {r.inactive && <span class="badge danger">{t("dashboard.targets.flag_inactive", { days: data.inactiveDays })}</span>}
                      {!flagged && <span class="badge ok">{t("dashboard.targets.flag_ok")}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
