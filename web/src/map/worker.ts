/**
 * Clusters the map's points off the main thread (supercluster), so 100,000 households stay
 * smooth on a cheap phone: the page asks for the clusters of the visible box at a zoom and
 * gets a compact answer back.
 */
import Supercluster, { type ClusterProperties, type PointFeature } from "supercluster";

interface PointProps {
  id: number;
  s: number;
  u: number;
}
interface ClusterProps {
  c: number[];
}

const STATUS_N = 6;
const URGENCY_N = 4;

interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((e: MessageEvent) => void) | null;
}
const ctx = self as unknown as Scope;

let index: Supercluster<PointProps, ClusterProps> | null = null;

function counts(p: PointProps): number[] {
  const c = new Array<number>(STATUS_N + URGENCY_N).fill(0);
  c[p.s] = 1;
  c[STATUS_N + p.u] = 1;
  return c;
}

ctx.onmessage = (e: MessageEvent) => {
  const m = e.data as
    | { type: "load"; lon: Float64Array; lat: Float64Array; ids: Int32Array; st: Uint8Array; ur: Uint8Array; visible: Uint8Array }
    | { type: "clusters"; seq: number; bbox: [number, number, number, number]; zoom: number }
    | { type: "expand"; seq: number; clusterId: number };
  if (m.type === "load") {
    const features: PointFeature<PointProps>[] = [];
    for (let i = 0; i < m.ids.length; i++) {
      if (!m.visible[i]) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [m.lon[i]!, m.lat[i]!] },
        properties: { id: m.ids[i]!, s: m.st[i]!, u: m.ur[i]! },
      });
    }
    index = new Supercluster<PointProps, ClusterProps>({
      radius: 56,
      maxZoom: 17,
      map: (p) => ({ c: counts(p as PointProps) }),
      reduce: (acc, p) => {
        for (let i = 0; i < acc.c.length; i++) acc.c[i]! += p.c[i]!;
      },
    }).load(features);
    ctx.postMessage({ type: "ready", n: features.length });
    return;
  }
  if (!index) return;
  if (m.type === "clusters") {
    const out: (number | number[])[][] = [];
    for (const f of index.getClusters(m.bbox, Math.round(m.zoom))) {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      const p = f.properties as Partial<PointProps & ClusterProps & ClusterProperties>;
      if (p.cluster) out.push([lon, lat, 1, p.cluster_id!, p.point_count!, p.c!]);
      else out.push([lon, lat, 0, p.id!, 1, [p.s!, p.u!]]);
    }
    ctx.postMessage({ type: "clusters", seq: m.seq, features: out });
    return;
  }
  if (m.type === "expand") {
    ctx.postMessage({ type: "expand", seq: m.seq, zoom: index.getClusterExpansionZoom(m.clusterId) });
  }
};
