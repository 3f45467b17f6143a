import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createProposal, moveProposal, openPackage, recordConsent, recordLocation, storeEvidencePhoto, storeKkPhoto } from "../../src/db/queries/dtsen.js";
import { buildPackageFiles } from "../../src/bot/dtsen/package.js";
import { VILLAGE, seedHousehold, seedUser } from "./support.js";

/**
 * How long a hand-over package of a large village takes to build (not a speed test: it only
 * prints the figures). Run with `DTSEN_MEASURE=1 npx vitest run test/dtsen/measure.test.ts`;
 * DTSEN_MEASURE_ROWS sets the number of proposals (default 40, three 200 kB photos each).
 */
it.skipIf(!process.env["DTSEN_MEASURE"])("measures building a hand-over package", async () => {
  const n = Number(process.env["DTSEN_MEASURE_ROWS"] ?? 40);
  const t = await createTestApp();
  const db = t.app.deps.db;
  const coord = await seedUser(t, { telegramId: 1, role: "coordinator", name: "Koordinator", area: "32.01.01" });
  const vol = await seedUser(t, { telegramId: 2, role: "volunteer", name: "Relawan", area: VILLAGE });
  const now = new Date(t.clock.now);
  const photo = Buffer.alloc(200_000, 7);
  for (let i = 0; i < n; i++) {
    const s = await seedHousehold(t, vol, VILLAGE, `Kepala Keluarga ${i + 1}`);
    const h = await db.selectFrom("households").selectAll().where("id", "=", s.id).executeTakeFirstOrThrow();
    const p = await createProposal(db, { household: h, kind: "baru", reason: "jatuh_miskin", note: "Kehilangan pekerjaan sejak Juni.", actorId: vol.id, now });
    await recordConsent(db, { proposalId: p.id, actorId: vol.id, now });
    await storeKkPhoto(db, t.app.deps.pii, { proposalId: p.id, content: photo, mime: "image/jpeg", actorId: vol.id, now });
    for (const item of ["house_front", "house_inside"] as const) {
      const f = t.fake.registerFile({ kind: "photo", content: photo, filename: "foto.jpg" });
      await storeEvidencePhoto(db, { proposalId: p.id, item, fileId: f.fileId, fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: photo.length, actorId: vol.id, now });
    }
    await recordLocation(db, { proposalId: p.id, latitude: -6.4, longitude: 106.8, actorId: vol.id, now });
    for (const to of ["menunggu", "terverifikasi"] as const) {
      const fresh = await db.selectFrom("dtsen_proposals").selectAll().where("id", "=", p.id).executeTakeFirstOrThrow();
      expect((await moveProposal(db, { proposal: fresh, to, reason: null, actorId: coord.id, capacities: ["field", "staff"], now })).ok).toBe(true);
    }
  }
  const pkg = (await openPackage(db, { villageCode: VILLAGE, period: "2027-01", actorId: coord.id, now }))!;
  const started = performance.now();
  const files = await buildPackageFiles(
    { db, pii: t.app.deps.pii, api: t.app.bot.api, log: t.app.deps.logger, t: t.app.deps.i18n.t("id"), windows: t.app.deps.config.DTSEN_WINDOWS },
    pkg,
    { full: true, preparedBy: "Koordinator", now },
  );
  const ms = performance.now() - started;
  const dir = mkdtempSync(join(tmpdir(), "dtsen-measure-"));
  writeFileSync(join(dir, "list.pdf"), files.pdf.content);
  const pages = /Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [join(dir, "list.pdf")], { encoding: "utf8" }))?.[1];
  process.stdout.write(`dtsen package: ${files.rows} proposals, ${files.photos} photos in ${ms.toFixed(0)} ms; xlsx ${files.xlsx.content.length} B, zip ${files.zip.content.length} B, pdf ${files.pdf.content.length} B, ${pages} page(s)\n`);
  await t.close();
}, 600_000);
