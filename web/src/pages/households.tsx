import { useEffect, useState } from "preact/hooks";
import { fmtCode, fmtDate, fmtInstantDate, fmtNumber, keysOf, t, word } from "../i18n";
import { href, navigate, type Route } from "../router";
import type { HouseholdPage, Me } from "../types";
import { ErrorBox, Field, Loading, Pager, StatusBadge, UrgencyBadge, useApi } from "../ui";

const FILTERS = ["q", "status", "ppks", "desil", "area", "volunteer", "overdue", "urgency", "sort", "dir", "page"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function filtersOf(route: Route): Filters {
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = route.query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

const SORTABLE: { key: string; label: string; className?: string }[] = [
  { key: "code", label: "dashboard.households.col_code" },
  { key: "name", label: "dashboard.households.col_name" },
  { key: "village", label: "dashboard.households.col_village" },
  { key: "status", label: "dashboard.households.col_status" },
  { key: "last_visit", label: "dashboard.households.col_last_visit" },
  { key: "next_visit", label: "dashboard.households.col_next_visit" },
];

interface Regions {
  parent: { code: string; name: string } | null;
  rows: { code: string; name: string; level: number }[];
}

/** Kecamatan (or the level below the scope), then desa inside it. */
function AreaFilter({ me, value, onChange }: { me: Me; value: string; onChange: (v: string) => void }) {
  const top = useApi<Regions>("regions");
  // The level-below-scope part of the chosen area, and the chosen child inside it.
  const childLen = top.data?.rows[0]?.code.length ?? 0;
  const first = value.length >= childLen && childLen > 0 ? value.slice(0, childLen) : "";
  const second = useApi<Regions>(first && childLen < 13 ? "regions" : null, { parent: first });
  if (!top.data || top.data.rows.length === 0) return null;
  return (
    <>
      <Field label={t(`dashboard.households.filter_area_${top.data.rows[0]!.level}`)}>
        <select value={first} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          <option value="">{t("dashboard.households.all")}</option>
          {top.data.rows.map((r) => (
            <option key={r.code} value={r.code}>
              {r.name}
            </option>
          ))}
        </select>
      </Field>
      {first && second.data && second.data.rows.length > 0 && (
        <Field label={t(`dashboard.households.filter_area_${second.data.rows[0]!.level}`)}>
          <select value={value.length > first.length ? value : ""} onChange={(e) => onChange((e.target as HTMLSelectElement).value || first)}>
            <option value="">{t("dashboard.households.all")}</option>
            {second.data.rows.map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
      )}
    </>
  );
}

export function HouseholdsPage({ me, route }: { me: Me; route: Route }) {
  const filters = filtersOf(route);
  const { data, error, loading, reload } = useApi<HouseholdPage>("households", filters);
  const volunteers = useApi<{ rows: { id: number; name: string | null; status: string }[] }>("volunteers");
  const [q, setQ] = useState(filters.q ?? "");

  const set = (patch: Filters) => {
    const next: Filters = { ...filters, ...patch };
    if (!("page" in patch)) delete next.page;
    for (const k of Object.keys(next) as (keyof Filters)[]) if (!next[k]) delete next[k];
    navigate(href("keluarga", null, next), true);
  };

  // Search as one types, a moment after the last key.
  useEffect(() => {
    if (q === (filters.q ?? "")) return;
    const timer = setTimeout(() => set({ q }), 350);
    return () => clearTimeout(timer);
  }, [q]);

  const sortBy = (key: string) => {
    if (filters.sort === key) set({ sort: key, dir: filters.dir === "desc" ? "asc" : "desc" });
    else set({ sort: key, dir: undefined });
  };
  const active = Object.keys(filters).filter((k) => k !== "sort" && k !== "dir" && k !== "page").length;

  return (
    <section class={loading ? "page busy" : "page"} aria-busy={loading}>
      <div class="page-head">
        <h1>{t("dashboard.households.title")}</h1>
      </div>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), set({ q }))} role="search">
        <Field label={t("dashboard.households.search")}>
          <input
            type="search"
            name="q"
            value={q}
            maxLength={60}
            placeholder={t("dashboard.households.search_placeholder")}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label={t("dashboard.households.filter_status")}>
          <select name="status" value={filters.status ?? ""} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dashboard.households.all")}</option>
            {keysOf("vocab.status").map((s) => (
              <option key={s} value={s}>
                {word("vocab.status", s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("dashboard.households.filter_ppks")}>
          <select name="ppks" value={filters.ppks ?? ""} onChange={(e) => set({ ppks: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dashboard.households.all")}</option>
            {keysOf("vocab.ppks").map((s) => (
              <option key={s} value={s}>
                {word("vocab.ppks", s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("dashboard.households.filter_desil")}>
          <select name="desil" value={filters.desil ?? ""} onChange={(e) => set({ desil: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dashboard.households.all")}</option>
            {Array.from({ length: 10 }, (_, i) => String(i + 1)).map((d) => (
              <option key={d} value={d}>
                {t("dashboard.households.desil_n", { n: d })}
              </option>
            ))}
            <option value="none">{t("dashboard.households.desil_none")}</option>
          </select>
        </Field>
        <AreaFilter me={me} value={filters.area ?? ""} onChange={(area) => set({ area })} />
        <Field label={t("dashboard.households.filter_volunteer")}>
          <select name="volunteer" value={filters.volunteer ?? ""} onChange={(e) => set({ volunteer: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dashboard.households.all")}</option>
            <option value="none">{t("dashboard.households.no_volunteer")}</option>
            {(volunteers.data?.rows ?? []).map((v) => (
              <option key={v.id} value={String(v.id)}>
                {v.name ?? "–"}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("dashboard.households.filter_urgency")}>
          <select name="urgency" value={filters.urgency ?? ""} onChange={(e) => set({ urgency: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dashboard.households.all")}</option>
            {keysOf("vocab.urgency").map((u) => (
              <option key={u} value={u}>
                {word("vocab.urgency", u)}
              </option>
            ))}
            <option value="none">{t("dashboard.urgency_none")}</option>
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" name="overdue" checked={filters.overdue === "1"} onChange={(e) => set({ overdue: (e.target as HTMLInputElement).checked ? "1" : "" })} />
          <span>{t("dashboard.households.filter_overdue", { days: me.config.overdueDays })}</span>
        </label>
        {active > 0 && (
          <button
            type="button"
            class="btn link"
            onClick={() => {
              setQ("");
              navigate(href("keluarga"), true);
            }}
          >
            {t("dashboard.households.clear")}
          </button>
        )}
      </form>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {!data && !error && <Loading />}
      {data && (
        <>
          <p class="result-count" role="status">
            {t("dashboard.households.count", { n: fmtNumber(data.total) })}
          </p>
          {data.rows.length === 0 ? (
            <p class="empty">{t("dashboard.households.none")}</p>
          ) : (
            <div class="table-wrap">
              <table class="table households">
                <thead>
                  <tr>
                    {SORTABLE.map((c) => (
                      <th key={c.key} scope="col" aria-sort={data.sort === c.key ? (data.dir === "asc" ? "ascending" : "descending") : "none"}>
                        <button type="button" class="sort" onClick={() => sortBy(c.key)}>
                          {t(c.label)}
                          {data.sort === c.key ? (data.dir === "asc" ? " ▲" : " ▼") : ""}
                        </button>
                      </th>
                    ))}
                    <th scope="col">{t("dashboard.households.col_ppks")}</th>
                    <th scope="col">{t("dashboard.households.col_volunteer")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.rows.map((r) => (
                    <tr key={r.id} class="clickable" onClick={() => navigate(href("keluarga", r.id))}>
                      <td class="mono">
                        <a href={href("keluarga", r.id)}>{fmtCode(r.refCode)}</a>
                      </td>
                      <td>{r.anonymized ? <em>{t("dashboard.households.anonymized")}</em> : r.headName}</td>
                      <td>{r.village}</td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td>
                        {r.lastVisitAt ? fmtInstantDate(r.lastVisitAt) : t("dashboard.households.never_visited")}
                        {r.lastVisitAt && (
                          <>
                            {" "}
                            <UrgencyBadge urgency={r.lastUrgency} />
                          </>
                        )}
                      </td>
                      <td class={r.overdue ? "warn" : ""}>
                        {fmtDate(r.nextVisitDate)}
                        {r.overdue ? ` · ${t("dashboard.households.overdue")}` : ""}
                      </td>
                      <td>
                        {r.ppks.length === 0 ? "–" : word("vocab.ppks", r.ppks[0])}
                        {r.ppks.length > 1 ? ` +${r.ppks.length - 1}` : ""}
                        {r.desil !== null ? ` · ${t("dashboard.households.desil_n", { n: r.desil })}` : ""}
                      </td>
                      <td>{r.volunteer ?? "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager page={data.page} size={data.size} total={data.total} onPage={(p) => set({ page: String(p) })} />
        </>
      )}
    </section>
  );
}
