/**
 * The front end's budget and hygiene: the first page loads under 150 KB of compressed
 * JavaScript and CSS (the map's Leaflet only when the map opens), everything comes from this
 * process (no CDN), the page has no inline script or style and a strict CSP, and the build is
 * made from web/src at start-up (nothing built is committed).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/process.js";
import { sharedAssets, startWebApp, type WebTestApp } from "./support.js";

const BUDGET = 150 * 1024;

let w: WebTestApp;
beforeAll(async () => {
  w = await startWebApp();
});
afterAll(async () => {
  await w?.close();
});

describe("page weight", () => {
  it("the first page is under 150 KB of compressed JS and CSS, and the map's code is not part of it", async () => {
    const a = await sharedAssets();
    expect(a.firstPageGzipBytes).toBeLessThan(BUDGET);
    expect(a.firstPageBrotliBytes).toBeLessThan(a.firstPageGzipBytes);
    const main = a.assets.get(a.entry.script)!.body.toString("utf8");
    expect(main).not.toContain("leaflet-container");
    expect(a.assets.get(a.entry.mapScript)!.body.toString("utf8")).toContain("leaflet");
    const css = a.assets.get(a.entry.style)!.body.toString("utf8");
    expect(css).not.toContain(".leaflet-");
    // What a browser really downloads for the first page (gzip as served).
    let served = 0;
    for (const path of [`assets/${a.entry.script}`, `assets/${a.entry.style}`]) {
      const res = await fetch(`${w.base}/app/${path}`, { headers: { "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(res.headers.get("cache-control")).toContain("immutable");
      served += Number(res.headers.get("content-length"));
    }
    expect(served).toBeLessThan(BUDGET);
  });
});

describe("the page", () => {
  it("has no inline script or style, loads everything from this server, and sends a strict CSP", async () => {
    const res = await fetch(`${w.base}/app/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("img-src 'self' data: blob: https://tile.openstreetmap.org");
    expect(csp).toContain("frame-ancestors 'self' https://web.telegram.org");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      expect(m[0]).toMatch(/src="assets\/main-[A-Z0-9]+\.js"/);
      expect(m[1]).toBe("");
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<html lang="id">');
    expect(html).toContain("Memuat…");
  });

  it("API answers are never cached and unknown paths are 404", async () => {
    const res = await fetch(`${w.base}/app/api/strings/id`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { strings: { dashboard: Record<string, unknown>; vocab: Record<string, unknown> } };
    expect(body.strings.dashboard["title"]).toBe("Dasbor Pendamping");
    expect(Object.keys(body.strings.vocab)).toContain("status");
    expect((await fetch(`${w.base}/app/api/nope`)).status).toBe(404);
    expect((await fetch(`${w.base}/app/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${w.base}/app/assets/main.js`)).status).toBe(404);
    const big = await fetch(`${w.base}/app/api/auth/link`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(20_000) });
    expect(big.status).toBe(413);
    const notJson = await fetch(`${w.base}/app/api/auth/link`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(notJson.status).toBe(415);
  });

  it("the client shows no text of its own: every visible string comes from the locales", async () => {
    const a = await sharedAssets();
    const main = a.assets.get(a.entry.script)!.body.toString("utf8");
    // Indonesian words the pages show; they must only arrive from /api/strings.
    for (const word of ["Ringkasan", "Keluarga per status", "Peringatan darurat", "Tampilkan NIK", "Memuat"]) expect(main).not.toContain(word);
  });

  const inGit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === "true";
    } catch {
      return false;
    }
  })();

  it.skipIf(!inGit)("nothing built is committed: web/dist and test-artifacts are ignored", () => {
    const ignored = (path: string) => {
      try {
        execFileSync("git", ["check-ignore", "-q", path], { cwd: REPO_ROOT });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored("web/dist/main.js")).toBe(true);
    expect(ignored("test-artifacts/dashboard.png")).toBe(true);
    const tracked = execFileSync("git", ["ls-files", "web"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(tracked).not.toMatch(/^web\/dist\//m);
    expect(tracked).not.toMatch(/-[A-Z0-9]{8}\.(js|css)$/m);
  });
});
