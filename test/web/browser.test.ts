/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the app on
 * a loopback port, opened the way Telegram opens a Mini App (initData and theme in the URL
 * fragment): the summary, filtering the households, a card, acknowledging an alert, the map
 * with its points (tiles blocked: the fallback background), English, the desktop login link.
 * Screenshots of every page in Telegram's light and dark themes go to test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { User } from "../../src/db/schema.js";
import { createLoginLink } from "../../src/web/sessions.js";
import { REPO_ROOT } from "../support/process.js";
import { CIBINONG, CIBINONG_V1, CIBINONG_V2, initDataFor, seedAlert, seedHousehold, seedUser, seedVisit, startWebApp, type WebTestApp } from "./support.js";

// Code run inside the page (page.evaluate) sees the browser's globals; the test's tsconfig has no DOM.
declare const window: any;
declare const document: any;
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.REQUIRE_BROWSER) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

export const LIGHT = {
  bg_color: "#ffffff",
  text_color: "#000000",
  hint_color: "#8e8e93",
  link_color: "#2481cc",
  button_color: "#2481cc",
  button_text_color: "#ffffff",
  secondary_bg_color: "#efeff4",
  section_bg_color: "#ffffff",
  section_header_text_color: "#6d6d72",
  subtitle_text_color: "#8e8e93",
  destructive_text_color: "#ff3b30",
  accent_text_color: "#2481cc",
};
export const DARK = {
  bg_color: "#212d3b",
  text_color: "#ffffff",
  hint_color: "#7d8b99",
  link_color: "#5eabe1",
  button_color: "#50a8eb",
  button_text_color: "#ffffff",
  secondary_bg_color: "#151e27",
  section_bg_color: "#1d2733",
  section_header_text_color: "#73b7ee",
  subtitle_text_color: "#7d8b99",
  destructive_text_color: "#ee686f",
  accent_text_color: "#73b7ee",
};

let w: WebTestApp;
let rina: User;
let context: BrowserContext;
let profile: string;
let alertId: number;
const problems: string[] = [];

function miniAppUrl(tg: number, theme: object): string {
  const fragment = new URLSearchParams({
    tgWebAppData: initDataFor(w.t, tg),
    tgWebAppVersion: "8.0",
    tgWebAppPlatform: "android",
    tgWebAppThemeParams: JSON.stringify(theme),
  });
  return `${w.base}/app/#${fragment.toString()}`;
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 412, height: 900 });
  page.setDefaultTimeout(10_000);
  page.on("console", (m) => {
    if (m.type() === "error" && !/tile\.openstreetmap\.org|ERR_FAILED|Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // No internet for tiles in the test: the map must fall back to its plain background.
  await page.route(/tile\.openstreetmap\.org/, (route) => route.abort());
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e: { violatedDirective: string; blockedURI: string }) => {
      (window as unknown as { cspViolations: string[] }).cspViolations ??= [];
      (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
}

beforeAll(async () => {
  if (!haveBrowser) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  w = await startWebApp();
  const budi = await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_V1 });
  const ani = await seedUser(w.t, { tg: 2003, role: "volunteer", name: "Ani Wulandari", area: CIBINONG_V2 });
  rina = await seedUser(w.t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: CIBINONG });
  const names = ["Siti Aminah", "Nur Halimah", "Rahmat Hidayat", "Wati Gunawan", "Yohana Sinaga", "Agus Purba", "Dewi Lubis", "Made Wijaya"];
  const ids: number[] = [];
  for (let i = 0; i < 120; i++) {
    const v = i % 3 === 0 ? ani : budi;
    const village = v === ani ? CIBINONG_V2 : CIBINONG_V1;
    const h = await seedHousehold(w.t, v, village, `${names[i % names.length]} ${i + 1}`, {
      lat: -6.47 - (i % 12) / 300,
      lon: 106.83 + Math.floor(i / 12) / 300,
      desil: (i % 10) + 1,
      ...(i % 7 === 0 ? { nextVisitDate: "2026-11-01" } : {}),
      ...(i % 5 === 0 ? { status: "diverifikasi" } : {}),
    });
    ids.push(h.id);
  }
  for (let i = 0; i < 40; i++) await seedVisit(w.t, i % 3 === 0 ? ani : budi, ids[i]!, { on: `2026-${i % 2 ? "10" : "11"}-${String((i % 25) + 1).padStart(2, "0")}`, urgency: i % 9 === 0 ? "perhatian" : "biasa" });
  alertId = await seedAlert(w.t, budi, ids[1]!, CIBINONG_V1);
  profile = mkdtempSync(join(tmpdir(), "pendamping-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    locale: "id-ID",
    timezoneId: "Asia/Jakarta",
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await w?.close();
});

describe.skipIf(!haveBrowser)("the dashboard in Chromium", () => {
  let page: Page;

  it("opens from Telegram with initData, in Indonesian, on the summary", async () => {
    page = await newPage();
    await page.goto(miniAppUrl(3001, LIGHT));
    await page.getByRole("heading", { name: "Ringkasan" }).waitFor();
    expect(await page.locator(".place").textContent()).toBe("Kec. Cibinong");
    expect(page.url()).not.toContain("tgWebAppData");
    await page.locator(".chart-box canvas").waitFor();
    await expect.poll(() => page.locator(".stat-value").first().textContent()).toBe("120");
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(239, 239, 244)");
    await page.getByRole("row", { name: /Pondok Rajeg/ }).waitFor();
    await shot(page, "ringkasan-light");
  });

  it("drills down from the table by desa", async () => {
    await page.getByRole("link", { name: /Pondok Rajeg/ }).first().click();
    await page.locator(".crumbs a.current", { hasText: "Pondok Rajeg" }).waitFor();
    await expect.poll(() => page.locator(".stat-value").first().textContent()).toBe("80");
  });

  it("shows targets with red flags", async () => {
    await page.getByRole("link", { name: "Target relawan" }).click();
    await page.getByRole("heading", { name: "Target relawan" }).waitFor();
    await page.locator("tr", { hasText: "Budi Santoso" }).waitFor();
    expect(await page.locator("tr.flagged").count()).toBeGreaterThan(0);
    await shot(page, "target-light");
  });

  it("filters the households, searches, and opens a card", async () => {
    await page.getByRole("link", { name: "Keluarga" }).click();
    await page.getByText("120 keluarga", { exact: true }).waitFor();
    await page.locator('select[name="status"]').selectOption("diverifikasi");
    await page.getByText("24 keluarga", { exact: true }).waitFor();
    await page.locator('select[name="status"]').selectOption("");
    await page.getByText("120 keluarga", { exact: true }).waitFor();
    await page.locator('input[name="q"]').fill("aminah 1");
    await page.getByText("4 keluarga", { exact: true }).waitFor();
    expect(await page.locator("tbody tr").count()).toBe(4);
    await page.locator('input[name="q"]').fill("");
    await page.getByText("120 keluarga", { exact: true }).waitFor();
    const overdue = await w.t.app.deps.db
      .selectFrom("households")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("next_visit_date", "<", "2026-11-14")
      .executeTakeFirstOrThrow();
    expect(Number(overdue.n)).toBeGreaterThan(0);
    await page.locator('input[name="overdue"]').check();
    await page.getByText(`${Number(overdue.n)} keluarga`, { exact: true }).waitFor();
    await page.getByRole("button", { name: "Hapus semua filter" }).click();
    await page.getByText("120 keluarga", { exact: true }).waitFor();
    await shot(page, "keluarga-light");

    await page.locator('input[name="q"]').fill("nur halimah 2");
    await page.getByRole("cell", { name: "Nur Halimah 2", exact: true }).click();
    await page.getByRole("heading", { name: /Nur Halimah 2/ }).waitFor();
    const nik = await page.locator(".kv", { hasText: "NIK kepala keluarga" }).locator("dd").textContent();
    expect(nik).toMatch(/^\d{4}•{8}\d{4}$/);
    await page.getByText("Riwayat kunjungan").waitFor();
    await page.getByText("Riwayat status").waitFor();
    await shot(page, "kartu-light");
  });

  it("changes the status with a confirmation", async () => {
    await page.getByRole("button", { name: "Ubah status" }).click();
    await page.getByRole("radio", { name: "Diverifikasi" }).check();
    await page.getByRole("button", { name: "Lanjut" }).click();
    await page.getByText(/dari Terdaftar menjadi Diverifikasi\?/).waitFor();
    await page.getByRole("button", { name: "Ya, ubah status" }).click();
    await page.getByText("Status diubah: Terdaftar → Diverifikasi.").waitFor();
    await page.locator(".page-head .badge", { hasText: "Diverifikasi" }).waitFor();
  });

  it("shows the full NIK only after a confirmation", async () => {
    await page.getByRole("button", { name: "Tampilkan NIK dan No. KK lengkap" }).click();
    await page.getByRole("button", { name: "Ya, tampilkan" }).click();
    await expect.poll(() => page.locator(".kv", { hasText: "NIK kepala keluarga" }).locator("dd").textContent()).toMatch(/^\d{16}$/);
  });

  it("acknowledges an alert", async () => {
    await page.getByRole("link", { name: "Peringatan" }).click();
    await page.getByText(`Peringatan #${alertId}`).waitFor();
    await shot(page, "peringatan-light");
    await page.getByRole("button", { name: "Saya tangani" }).click();
    await page.getByRole("button", { name: "Ya, saya tangani" }).click();
    await page.getByText(`Peringatan #${alertId} Anda tangani.`).waitFor();
    await page.getByText(/Ditangani oleh Rina Marlina/).waitFor();
    const row = await w.t.app.deps.db.selectFrom("alerts").select(["status", "acknowledged_by"]).where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "acknowledged", acknowledged_by: rina.id });
  });

  it("shows the households on the map, clustered, with a fallback when tiles cannot load", async () => {
    await page.getByRole("link", { name: "Peta" }).click();
    await page.getByText("120 keluarga dengan titik lokasi").waitFor();
    await expect.poll(() => page.locator("#map").getAttribute("data-drawn"), { timeout: 15_000 }).not.toBeNull();
    expect(Number(await page.locator("#map").getAttribute("data-drawn"))).toBeGreaterThan(0);
    await page.locator(".map.no-tiles").waitFor({ timeout: 15_000 });
    await page.getByText("Peta dasar tidak dapat dimuat").waitFor();
    expect(await page.locator(".leaflet-control-attribution").textContent()).toContain("OpenStreetMap");
    // A cluster opens into smaller ones or points.
    const before = await page.locator("#map").getAttribute("data-drawn");
    await page.locator(".cluster").first().click();
    await expect.poll(() => page.locator("#map").getAttribute("data-drawn")).not.toBe(before);
    await page.getByLabel(/Kunjungan terakhir/).first().check();
    await shot(page, "peta-light");
  });

  it("follows a change to Telegram's dark theme, on every page", async () => {
    await page.evaluate((theme) => {
      (window as unknown as { Telegram: { WebView: { receiveEvent(t: string, d: unknown): void } } }).Telegram.WebView.receiveEvent("theme_changed", {
        theme_params: theme,
      });
    }, DARK);
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(21, 30, 39)");
    for (const [hash, name, ready] of [
      ["#/ringkasan", "ringkasan", ".chart-box canvas"],
      ["#/target", "target", "tbody tr"],
      ["#/keluarga", "keluarga", "tbody tr"],
      ["#/peringatan", "peringatan", ".alert-card"],
    ] as const) {
      await page.evaluate((h) => (window.location.hash = h), hash);
      await page.locator(ready).first().waitFor();
      await shot(page, `${name}-dark`);
    }
    await page.evaluate(() => (window.location.hash = "#/keluarga"));
    await page.locator("tbody tr").first().click();
    await page.getByText("Riwayat status").waitFor();
    await shot(page, "kartu-dark");
    await page.evaluate(() => (window.location.hash = "#/peta"));
    await expect.poll(() => page.locator("#map").getAttribute("data-drawn"), { timeout: 15_000 }).not.toBeNull();
    await page.locator(".map.no-tiles").waitFor({ timeout: 15_000 });
    await shot(page, "peta-dark");
  });

  it("switches to English with the texts from the server", async () => {
    await page.evaluate(() => (window.location.hash = "#/ringkasan"));
    await page.getByRole("button", { name: "Ganti bahasa" }).click();
    await page.getByRole("heading", { name: "Summary" }).waitFor();
    await page.getByRole("link", { name: "Volunteer targets" }).waitFor();
    expect(await page.getByRole("button", { name: "Change language" }).textContent()).toBe("Bahasa Indonesia");
    await page.getByRole("button", { name: "Change language" }).click();
    await page.getByRole("heading", { name: "Ringkasan" }).waitFor();
  });

  it("a desktop browser logs in once with the link from /dasbor", async () => {
    const link = await createLoginLink(w.t.app.deps.db, rina.id, w.t.app.deps.now());
    const desk = await newPage();
    await desk.setViewportSize({ width: 1280, height: 900 });
    await desk.emulateMedia({ colorScheme: "light" });
    await desk.goto(`${w.base}/app/#login=${link.token}`);
    await desk.getByRole("heading", { name: "Ringkasan" }).waitFor();
    expect(desk.url()).not.toContain(link.token);
    await desk.locator(".chart-box canvas").waitFor();
    await shot(desk, "desktop-ringkasan");
    await desk.getByRole("button", { name: "Keluar" }).click();
    await desk.getByText("Anda sudah keluar dari dasbor.").waitFor();
    const again = await newPage();
    await again.goto(`${w.base}/app/#login=${link.token}`);
    await again.getByText(/Tautan masuk tidak berlaku/).waitFor();
    expect(await cspViolations(desk)).toEqual([]);
    await desk.close();
    await again.close();
  });

  it("a refused or replayed initData shows why, and nothing else", async () => {
    const p = await newPage();
    const url = miniAppUrl(2001, LIGHT);
    await p.goto(url);
    await p.getByText("Dasbor hanya untuk koordinator dan admin.").waitFor();
    expect(await p.locator("nav.tabs").count()).toBe(0);
    await p.close();
  });

  it("ran without CSP violations or script errors", async () => {
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
