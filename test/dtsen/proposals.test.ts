import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { User } from "../../src/db/schema.js";
import { VILLAGE, actor, fakePhoto, runJobs, seedHousehold, seedUser, type SeededHousehold } from "./support.js";

let t: TestApp;
let volunteer: User;
let coordinator: User;

const COORD = 9101;
const VOL = 9102;

beforeAll(async () => {
  t = await createTestApp();
  coordinator = await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang Koordinator", area: "32.01.01" });
  volunteer = await seedUser(t, { telegramId: VOL, role: "volunteer", name: "Siti Rahma", area: VILLAGE });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("usulan baru", () => {
  let h: SeededHousehold;
  it("starts from the household card", async () => {
    h = await seedHousehold(t, volunteer, VILLAGE, "Siti Aminah");
    const vol = await actor(t, VOL, "Siti");
    await vol.tapData(`hh:open:${h.id}`);
    expect(vol.buttons()).toContain("📝 Usulan DTSEN");
    await vol.tap("📝 Usulan DTSEN");
    expect(vol.lastText()).toContain(`Usulan DTSEN untuk keluarga ${h.code}`);
    await vol.tap("🆕 Usulan baru — belum terdaftar");
    expect(vol.lastText()).toContain("Apa alasan Usulan baru?");
    await vol.tap("Punya SKTM dari desa/kelurahan");
    await vol.send(`NIK ibu ${h.nik} belum terdaftar`);
    expect(vol.lastText()).toContain("Sepertinya ada NIK atau nomor KK");
    await vol.send("Suami meninggal tahun lalu, ibu bekerja serabutan.");
    console.log(vol.texts().slice(-3).join("\n-----\n"));
    console.log(vol.buttons());
    await vol.tap("⬜ Persetujuan keluarga");
    await vol.tap("✅ Keluarga setuju");
    console.log(vol.texts().slice(-2).join("\n-----\n"));
    await vol.tap("⬜ Foto Kartu Keluarga (KK)");
    await vol.sendPhoto({ content: fakePhoto("KK") });
    console.log(vol.texts().slice(-3).join("\n-----\n"), vol.deletedMessageIds());
    await vol.tap("⬜ Titik lokasi rumah (GPS)");
    await vol.tap("📍 Kirim lokasi rumah");
    console.log(vol.texts().slice(-2).join("\n-----\n"));
    await vol.tap("⬜ Foto rumah tampak depan");
    await vol.sendPhoto({ content: fakePhoto("DEPAN") });
    await vol.tap("⬜ Foto bagian dalam rumah");
    await vol.sendPhoto({ content: fakePhoto("DALAM") });
    await vol.tap(/⬜ Foto SKTM/);
    await vol.sendPhoto({ content: fakePhoto("SKTM") });
    console.log(vol.texts().slice(-2).join("\n-----\n"));
    await vol.tap("📤 Ajukan ke koordinator");
    console.log(vol.texts().slice(-2).join("\n-----\n"));
    await runJobs(t);
    const coord = await actor(t, COORD, "Bambang");
    console.log(coord.texts().slice(-1));
    await coord.send("/usulan");
    console.log(coord.lastText(), coord.buttons());
    void coordinator;
  });
});
