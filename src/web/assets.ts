import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { build, type BuildOptions } from "esbuild";

/** The web app's sources (web/src) and where a build would be written (git-ignored). */
export const WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));

export interface Asset {
  /** Path under /app/assets/, e.g. "main-3F2A1B.js". */
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
}

export interface WebAssets {
  assets: Map<string, Asset>;
  /** Entry points by role: the first page's script and style, the map's, the worker. */
  entry: { script: string; style: string; mapScript: string; mapStyle: string; worker: string };
  /** Bytes of JS + CSS the first page loads, compressed (gzip), for the page-weight budget. */
  firstPageGzipBytes: number;
  /** Same, brotli. */
  firstPageBrotliBytes: number;
  builtInMs: number;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

function typeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return TYPES[dot >= 0 ? name.slice(dot) : ""] ?? "application/octet-stream";
}

function toAsset(name: string, body: Buffer): Asset {
  return {
    name,
    type: typeOf(name),
    body,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}

const COMMON: BuildOptions = {
  absWorkingDir: WEB_ROOT,
  bundle: true,
  minify: true,
  write: false,
  // Old Android WebViews that Telegram still supports.
  target: ["chrome91", "safari15", "firefox90"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  logLevel: "silent",
  loader: { ".png": "dataurl", ".svg": "dataurl" },
  define: { "process.env.NODE_ENV": '"production"' },
};

/**
 * Builds the dashboard's front end (web/src, Preact + uPlot; Leaflet + supercluster only when
 * the map opens) with esbuild, in memory, offline, in well under a second. Called once at
 * start-up by the process that serves the dashboard; nothing is written or committed.
 * Files are content-hashed, so they are served as immutable.
 */
export async function buildWebAssets(): Promise<WebAssets> {
  const started = performance.now();
  const [app, worker] = await Promise.all([
    build({
      ...COMMON,
      entryPoints: { main: "src/main.tsx", map: "src/map/map-view.ts" },
      outdir: "dist",
      format: "esm",
      splitting: true,
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      assetNames: "[name]-[hash]",
      metafile: true,
    }),
    build({
      ...COMMON,
      entryPoints: { "map-worker": "src/map/worker.ts" },
      outdir: "dist",
      format: "iife",
      entryNames: "[name]-[hash]",
      metafile: true,
    }),
  ]);
  const assets = new Map<string, Asset>();
  for (const file of [...(app.outputFiles ?? []), ...(worker.outputFiles ?? [])]) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    assets.set(name, toAsset(name, Buffer.from(file.contents)));
  }
  const outputs = { ...app.metafile.outputs, ...worker.metafile.outputs };
  const base = (path: string) => path.slice(path.lastIndexOf("/") + 1);
  const jsOf = (entryPoint: string) => {
    const hit = Object.entries(outputs).find(([path, out]) => out.entryPoint === entryPoint && path.endsWith(".js"));
    if (!hit) throw new Error(`web build: no output for ${entryPoint}`);
    return hit;
  };
  const cssOf = (entryPoint: string) => {
    const css = jsOf(entryPoint)[1].cssBundle;
    if (!css) throw new Error(`web build: no CSS for ${entryPoint}`);
    return base(css);
  };
  const entry = {
    script: base(jsOf("src/main.tsx")[0]),
    style: cssOf("src/main.tsx"),
    mapScript: base(jsOf("src/map/map-view.ts")[0]),
    mapStyle: cssOf("src/map/map-view.ts"),
    worker: base(jsOf("src/map/worker.ts")[0]),
  };
  // The first page: the main script, every chunk it imports statically, and its style.
  const firstPage = new Set<string>([entry.style]);
  const visit = (name: string) => {
    if (firstPage.has(name)) return;
    firstPage.add(name);
    const out = Object.entries(outputs).find(([path]) => base(path) === name)?.[1];
    for (const imp of out?.imports ?? []) {
      if (imp.kind === "import-statement") visit(base(imp.path));
    }
  };
  visit(entry.script);
  let gz = 0;
  let br = 0;
  for (const name of firstPage) {
    const a = assets.get(name);
    if (a) {
      gz += a.gzip.length;
      br += a.brotli.length;
    }
  }
  return { assets, entry, firstPageGzipBytes: gz, firstPageBrotliBytes: br, builtInMs: Math.round(performance.now() - started) };
}
