import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { fmtCompact, fmtNumber, t, word } from "../i18n";
import { href, navigate, type Route } from "../router";
import type { MapData, Me } from "../types";
import { ErrorBox, Loading } from "../ui";
import type { ColorBy, MapController, MapOptions } from "../map/map-view";

interface AssetConfig {
  mapScript: string;
  mapStyle: string;
  worker: string;
}

function assetConfig(): AssetConfig {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="pendamping-assets"]');
  return JSON.parse(meta?.content ?? "{}") as AssetConfig;
}

let mapModule: Promise<{ mountMap: (el: HTMLElement, o: MapOptions) => MapController }> | null = null;

/** Leaflet and its stylesheet load the first time the map opens (not on the first page). */
function loadMapModule(): Promise<{ mountMap: (el: HTMLElement, o: MapOptions) => MapController }> {
  if (!mapModule) {
    const cfg = assetConfig();
    if (!document.querySelector(`link[data-map-style]`)) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = `assets/${cfg.mapStyle}`;
      link.dataset["mapStyle"] = "1";
      document.head.appendChild(link);
    }
    const url = new URL(`assets/${cfg.mapScript}`, document.baseURI).href;
    mapModule = import(/* runtime URL: a separate entry */ url) as Promise<{ mountMap: (el: HTMLElement, o: MapOptions) => MapController }>;
  }
  return mapModule;
}

export function MapPage({ me, route }: { me: Me; route: Route }) {
  const box = useRef<HTMLDivElement>(null);
  const ctl = useRef<MapController | null>(null);
  const [data, setData] = useState<MapData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [colorBy, setColorBy] = useState<ColorBy>("status");
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  const focus = route.query.get("focus");

  useEffect(() => {
    const abort = new AbortController();
    api<MapData>("map", { signal: abort.signal }).then(setData, (e: unknown) => (e as Error).name !== "AbortError" && setError(e));
    return () => abort.abort();
  }, []);

  const counts = useMemo(() => {
    if (!data) return null;
    const s = new Array<number>(data.statuses.length).fill(0);
    const u = new Array<number>(data.urgencies.length).fill(0);
    for (let j = 0; j < data.points.length; j += 5) {
      s[data.points[j + 3]!]!++;
      u[data.points[j + 4]!]!++;
    }
    return { s, u };
  }, [data]);

  useEffect(() => {
    if (!data || !box.current) return;
    let alive = true;
    const el = box.current;
    void loadMapModule().then(({ mountMap }) => {
      if (!alive) return;
      ctl.current = mountMap(el, {
        data,
        workerUrl: new URL(`assets/${assetConfig().worker}`, document.baseURI).href,
        tileUrl: me.config.tileUrl,
        tileAttribution: me.config.tileAttribution,
        colorBy,
        hidden,
        focusId: focus ? Number(focus) : null,
        texts: {
          statusLabel: (i) => word("vocab.status", data.statuses[i]),
          urgencyLabel: (i) => (i === 0 ? t("dashboard.urgency_none") : t("dashboard.map.last_urgency", { urgency: word("vocab.urgency", data.urgencies[i]) })),
          open: t("dashboard.map.open_card"),
          households: (n) => t("dashboard.map.cluster", { n: fmtNumber(n) }),
          compact: fmtCompact,
          tilesFailed: t("dashboard.map.tiles_failed"),
        },
        onOpen: (id) => navigate(href("keluarga", id)),
      });
      el.dataset["ready"] = "1";
    }, setError);
    return () => {
      alive = false;
      ctl.current?.destroy();
      ctl.current = null;
    };
  }, [data]);

  useEffect(() => {
    ctl.current?.setColorBy(colorBy, hidden);
  }, [colorBy, hidden]);

  if (error) return <ErrorBox error={error} />;
  const classes = data ? (colorBy === "status" ? data.statuses : data.urgencies) : [];
  const toggle = (i: number) => {
    const next = new Set(hidden);
    if (next.has(i)) next.delete(i);
    else next.add(i);
    setHidden(next);
  };
  return (
    <section class="page map-page">
      <div class="page-head">
        <h1>{t("dashboard.map.title")}</h1>
        {data && <p class="hint">{t("dashboard.map.count", { n: fmtNumber(data.n) })}</p>}
        <div class="filters" role="group" aria-label={t("dashboard.map.color_by")}>
          <label class="check">
            <input
              type="radio"
              name="colorBy"
              checked={colorBy === "status"}
              onChange={() => {
                setHidden(new Set());
                setColorBy("status");
              }}
            />
            <span>{t("dashboard.map.by_status")}</span>
          </label>
          <label class="check">
            <input
              type="radio"
              name="colorBy"
              checked={colorBy === "urgency"}
              onChange={() => {
                setHidden(new Set());
                setColorBy("urgency");
              }}
            />
            <span>{t("dashboard.map.by_urgency")}</span>
          </label>
        </div>
        {data && counts && (
          <ul class="legend" aria-label={t("dashboard.map.legend")}>
            {classes.map((c, i) => (
              <li key={c}>
                <label class={hidden.has(i) ? "off" : ""}>
                  <input type="checkbox" checked={!hidden.has(i)} onChange={() => toggle(i)} />
                  <span class={colorBy === "status" ? `swatch status-${c}` : `swatch urgency-${c}`} />
                  {colorBy === "status" ? word("vocab.status", c) : c === "none" ? t("dashboard.urgency_none") : word("vocab.urgency", c)}
                  <span class="num"> {fmtNumber((colorBy === "status" ? counts.s : counts.u)[i] ?? 0)}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </div>
      {!data && <Loading />}
      <div ref={box} class="map" id="map" aria-label={t("dashboard.map.aria")} />
    </section>
  );
}
