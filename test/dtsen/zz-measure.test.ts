import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createProposal, moveProposal, openPackage, recordConsent, recordLocation, storeEvidencePhoto, storeKkPhoto } from "../../src/db/queries/dtsen.js";
import { buildPackageFiles } from "../../src/bot/dtsen/package.js";
import { VILLAGE, seedHousehold, seedUser } from "./support.js";

it("measures", async () => {
  const t = await createTestApp();
  const db = t.app.deps.db;
  const coord = await seedUser(t, { telegramId: 1, role: "coordinator", name: "K", area: "32.01.01" });
  const vol = await seedUser(t, { telegramId: 2, role: "volunteer", name: "V", area: VILLAGE });
  const now = new Date(t.clock.now);
  const photo = Buffer.alloc(200_000, 7);
  for (const n of [40, 80]) {
    for (let i = 0; i < n - (n === 80 ? 40 : 0); i++) {
      const s = await seedHousehold(t, vol, VILLAGE, `Kepala Keluarga Nomor ${i} Dengan Nama Panjang`);
      const h = await db.selectFrom("households").selectAll().where("id", "=", s.id).executeTakeFirstOrThrow();
      const p = await createProposal(db, { household: h, kind: "baru", reason: "jatuh_miskin", note: "x".repeat(50), actorId: vol.id, now });
      await recordConsent(db, { proposalId: p.id, actorId: vol.id, now });
      await storeKkPhoto(db, t.app.deps.pii, { proposalId: p.id, content: photo, mime: "image/jpeg", actorId: vol.id, now });
      for (const item of ["house_front", "house_inside"] as const) {
        const f = t.fake.registerFile({ kind: "photo", content: photo, filename: "a.jpg" });
        await storeEvidencePhoto(db, { proposalId: p.id, item, fileId: f.fileId, fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: photo.length, actorId: vol.id, now });
      }
      await recordLocation(db, { proposalId: p.id, latitude: 1, longitude: 2, actorId: vol.id, now });
      for (const to of ["menunggu", "terverifikasi"] as const) {
        const fresh = await db.selectFrom("dtsen_proposals").selectAll().where("id", "=", p.id).executeTakeFirstOrThrow();
        expect((await moveProposal(db, { proposal: fresh, to, reason: null, actorId: coord.id, capacities: ["field", "staff"], now })).ok).toBe(true);
      }
    }
    const pkg = (await openPackage(db, { villageCode: VILLAGE, period: "2027-01", actorId: coord.id, now }))!;
    const t0 = performance.now(); for (let i = 0; i < 20; i++) { const f = t.fake.registerFile({ kind: "photo", content: photo }); const { downloadTelegramFile } = await import("../../src/bot/dtsen/telegram-files.js"); await downloadTelegramFile(t.app.bot.api, f.fileId); } console.log("MEASURE 20 downloads ms", (performance.now() - t0).toFixed(0)); const t1 = performance.now(); for (let i = 0; i < 20; i++) { t.app.deps.pii.decrypt(t.app.deps.pii.encrypt(photo.toString("base64"))); } console.log("MEASURE 20 crypto ms", (performance.now() - t1).toFixed(0));
    const started = performance.now();
    const files = await buildPackageFiles(
      { db, pii: t.app.deps.pii, api: t.app.bot.api, log: t.app.deps.logger, t: t.app.deps.i18n.t("id"), windows: t.app.deps.config.DTSEN_WINDOWS },
      pkg,
      { full: true, preparedBy: "K", now },
    );
    const ms = performance.now() - started;
    const dir = mkdtempSync(join(tmpdir(), "m-"));
    writeFileSync(join(dir, "a.pdf"), files.pdf.content);
    const pages = /Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [join(dir, "a.pdf")], { encoding: "utf8" }))?.[1];
    console.log(`MEASURE rows=${files.rows} photos=${files.photos} ms=${ms.toFixed(0)} xlsx=${files.xlsx.content.length} zip=${files.zip.content.length} pdf=${files.pdf.content.length} pages=${pages}`);
  }
  await t.close();
}, 300_000);
