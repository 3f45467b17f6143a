/**
 * The map (Leaflet), loaded only when the Peta page opens. Households are drawn on a canvas
 * as circles coloured by status or by the urgency of the last visit; clusters come from a
 * worker (supercluster). Tiles come from MAP_TILE_URL; when they cannot load (offline, a
 * blocked tile server) the map switches to a plain background and keeps every point.
 */
import "leaflet/dist/leaflet.css";
import "./map.css";
import L from "leaflet";

export type ColorBy = "status" | "urgency";

export interface MapInput {
  n: number;
  scale: number;
  statuses: string[];
  urgencies: string[];
  /** Five integers per point: id delta, lat × scale, lon × scale, status, urgency. */
  points: number[];
}

export interface MapOptions {
  data: MapInput;
  workerUrl: string;
  tileUrl: string;
  tileAttribution: string;
  colorBy: ColorBy;
  /** Visible classes (status or urgency indexes, by colorBy). */
  hidden: Set<number>;
  focusId: number | null;
  texts: {
    statusLabel: (i: number) => string;
    urgencyLabel: (i: number) => string;
    open: string;
    households: (n: number) => string;
    /** A cluster's count, short ("1,2 rb" / "1.2K"). */
    compact: (n: number) => string;
    tilesFailed: string;
  };
  onOpen: (id: number) => void;
}

export interface MapController {
  setColorBy(mode: ColorBy, hidden: Set<number>): void;
  destroy(): void;
  /** For tests: points and clusters currently drawn, and whether tiles failed. */
  state(): { drawn: number; clusters: number; tilesFailed: boolean; ready: boolean };
}

const STATUS_N = 6;

function colorVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function mountMap(el: HTMLElement, opts: MapOptions): MapController {
  const d = opts.data;
  // Decode the compact columns.
  const ids = new Int32Array(d.n);
  const lat = new Float64Array(d.n);
  const lon = new Float64Array(d.n);
  const st = new Uint8Array(d.n);
  const ur = new Uint8Array(d.n);
  let prev = 0;
  for (let i = 0, j = 0; i < d.n; i++, j += 5) {
    prev += d.points[j]!;
    ids[i] = prev;
    lat[i] = d.points[j + 1]! / d.scale;
    lon[i] = d.points[j + 2]! / d.scale;
    st[i] = d.points[j + 3]!;
    ur[i] = d.points[j + 4]!;
  }

  const statusColors = d.statuses.map((s, i) => colorVar(`--st-${s}`, ["#4a90d9", "#2e9e6b", "#d9a400", "#7b5cd6", "#6b7280", "#d64545"][i] ?? "#888"));
  const urgencyColors = d.urgencies.map((u, i) => colorVar(`--ur-${u}`, ["#9aa3ad", "#2e9e6b", "#e08a00", "#d42a2a"][i] ?? "#888"));

  let colorBy = opts.colorBy;
  let hidden = opts.hidden;
  let tilesFailed = false;
  let ready = false;
  let drawnPoints = 0;
  let drawnClusters = 0;

  const map = L.map(el, { preferCanvas: true, zoomControl: true, worldCopyJump: true, minZoom: 4, maxZoom: 19 });
  const renderer = L.canvas({ padding: 0.3 });
  const layer = L.layerGroup().addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener noreferrer">Leaflet</a>');

  // Tiles, with a fallback when they do not load.
  const tiles = L.tileLayer(opts.tileUrl, { maxZoom: 19 });
  // Credited whether or not the tiles load (the licence asks for it wherever the map is shown).
  map.attributionControl.addAttribution(escapeText(opts.tileAttribution));
  let tileErrors = 0;
  let tileLoads = 0;
  const notice = L.DomUtil.create("div", "map-notice");
  notice.textContent = opts.texts.tilesFailed;
  const fallback = () => {
    if (tilesFailed) return;
    tilesFailed = true;
    map.removeLayer(tiles);
    el.classList.add("no-tiles");
    el.appendChild(notice);
  };
  tiles.on("tileerror", () => {
    tileErrors++;
    if (tileLoads === 0 && tileErrors >= 4) fallback();
  });
  tiles.on("tileload", () => {
    tileLoads++;
  });
  if (navigator.onLine === false) fallback();
  else tiles.addTo(map);
  const tileTimer = window.setTimeout(() => {
    if (tileLoads === 0) fallback();
  }, 10_000);

  // Initial view: every point, or Indonesia.
  if (d.n > 0) {
    let s = 90,
      w = 180,
      n = -90,
      e = -180;
    for (let i = 0; i < d.n; i++) {
      s = Math.min(s, lat[i]!);
      n = Math.max(n, lat[i]!);
      w = Math.min(w, lon[i]!);
      e = Math.max(e, lon[i]!);
    }
    map.fitBounds(
      [
        [s, w],
        [n, e],
      ],
      { padding: [24, 24], maxZoom: 16 },
    );
  } else {
    map.setView([-2.5, 118], 5);
  }

  const worker = new Worker(opts.workerUrl);
  let seq = 0;
  /** Set by destroy(): a worker answer or an animation frame that comes later changes nothing. */
  let destroyed = false;
  const expandWaiters = new Map<number, (zoom: number) => void>();

  const visibleMask = () => {
    const mask = new Uint8Array(d.n);
    for (let i = 0; i < d.n; i++) mask[i] = hidden.has(colorBy === "status" ? st[i]! : ur[i]!) ? 0 : 1;
    return mask;
  };

  const load = () => {
    ready = false;
    worker.postMessage({ type: "load", lon, lat, ids, st, ur, visible: visibleMask() });
  };

  const request = () => {
    // After destroy() the panes are gone: getBounds() would throw ("_leaflet_pos of undefined").
    if (!ready || destroyed) return;
    const b = map.getBounds();
    worker.postMessage({ type: "clusters", seq: ++seq, bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: map.getZoom() });
  };

  const popup = (id: number, s: number, u: number) => {
    const box = document.createElement("div");
    box.className = "map-popup";
    const line1 = document.createElement("div");
    line1.textContent = opts.texts.statusLabel(s);
    const line2 = document.createElement("div");
    line2.className = "hint";
    line2.textContent = opts.texts.urgencyLabel(u);
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "btn";
    btn.textContent = opts.texts.open;
    btn.addEventListener("click", () => opts.onOpen(id));
    box.append(line1, line2, btn);
    return box;
  };

  const clusterColor = (c: number[]): string => {
    if (colorBy === "status") {
      let best = 0;
      for (let i = 1; i < STATUS_N; i++) if ((c[i] ?? 0) > (c[best] ?? 0)) best = i;
      return statusColors[best] ?? "#888";
    }
    // Urgency: the most serious one present (a cluster hiding an emergency shows red).
    for (let i = urgencyColors.length - 1; i >= 0; i--) if ((c[STATUS_N + i] ?? 0) > 0) return urgencyColors[i] ?? "#888";
    return urgencyColors[0] ?? "#888";
  };

  worker.onmessage = (e: MessageEvent) => {
    if (destroyed) return;
    const m = e.data as { type: string; seq?: number; features?: [number, number, number, number, number, number[]][]; zoom?: number };
    if (m.type === "ready") {
      ready = true;
      request();
      return;
    }
    if (m.type === "expand" && m.seq !== undefined) {
      expandWaiters.get(m.seq)?.(m.zoom ?? map.getZoom() + 2);
      expandWaiters.delete(m.seq);
      return;
    }
    if (m.type !== "clusters" || m.seq !== seq || !m.features) return;
    layer.clearLayers();
    drawnPoints = 0;
    drawnClusters = 0;
    for (const [x, y, isCluster, id, count, c] of m.features) {
      if (isCluster) {
        drawnClusters++;
        const label = document.createElement("span");
        label.textContent = opts.texts.compact(count);
        const size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 44 : 52;
        const icon = L.divIcon({ html: label, className: "cluster", iconSize: [size, size] });
        const marker = L.marker([y, x], { icon, keyboard: true, title: opts.texts.households(count) });
        marker.on("add", () => {
          const node = marker.getElement();
          if (node) node.style.setProperty("--cluster-color", clusterColor(c));
        });
        marker.on("click", () => {
          const s = ++seq;
          expandWaiters.set(s, (zoom) => map.flyTo([y, x], Math.min(zoom, 18)));
          worker.postMessage({ type: "expand", seq: s, clusterId: id });
          seq = s;
        });
        layer.addLayer(marker);
      } else {
        drawnPoints++;
        const [s, u] = c as [number, number];
        const color = colorBy === "status" ? statusColors[s] : urgencyColors[u];
        const dot = L.circleMarker([y, x], { renderer, radius: 7, weight: 2, color: "#ffffff", fillColor: color ?? "#888", fillOpacity: 0.95 });
        dot.bindPopup(() => popup(id, s, u));
        layer.addLayer(dot);
      }
    }
    el.dataset["drawn"] = String(drawnPoints + drawnClusters);
  };

  map.on("moveend", request);
  load();

  if (opts.focusId !== null) {
    for (let i = 0; i < d.n; i++) {
      if (ids[i] === opts.focusId) {
        map.setView([lat[i]!, lon[i]!], 17);
        L.popup().setLatLng([lat[i]!, lon[i]!]).setContent(popup(ids[i]!, st[i]!, ur[i]!)).openOn(map);
        break;
      }
    }
  }

  return {
    setColorBy(mode, nextHidden) {
      colorBy = mode;
      hidden = nextHidden;
      load();
    },
    destroy() {
      destroyed = true;
      window.clearTimeout(tileTimer);
      worker.terminate();
      // Leaving the page during a fly-to or zoom animation: stop it first, or its next frame
      // reads the removed panes (Leaflet's "_leaflet_pos of undefined").
      map.off("moveend", request);
      map.stop();
      map.remove();
    },
    state: () => ({ drawn: drawnPoints, clusters: drawnClusters, tilesFailed, ready }),
  };
}
