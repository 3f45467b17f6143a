import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { Household, User } from "../../src/db/schema.js";
import { createProposal, moveProposal, recordConsent, recordLocation, storeEvidencePhoto, storeKkPhoto, type Proposal } from "../../src/db/queries/dtsen.js";
import { VILLAGE, fakePhoto, runJobs, seedHousehold, seedUser } from "./support.js";

let t: TestApp;
let coordinator: User;
let volunteer: User;
let idle: User;
let makassarCoord: User;

const COORD = 9301;
const VOL = 9302;
const IDLE_VOL = 9303;
const IDLE_COORD = 9304;
const MKS_COORD = 9305;
const MKS_VOL = 9306;
const MAKASSAR_VILLAGE = "73.71.01.1001";

const at = (iso: string) => new Date(iso).getTime();

async function householdRow(id: number): Promise<Household> {
  return t.app.deps.db.selectFrom("households").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

async function fresh(id: number): Promise<Proposal> {
  return t.app.deps.db.selectFrom("dtsen_proposals").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** A proposal for a new household of `owner`, with the given evidence, moved through `statuses`. */
async function proposal(owner: User, village: string, name: string, opts: { complete: boolean; statuses?: ("menunggu" | "terverifikasi")[] }): Promise<Proposal> {
  const db = t.app.deps.db;
  const now = new Date(t.clock.now);
  const h = await seedHousehold(t, owner, village, name);
  const p = await createProposal(db, { household: await householdRow(h.id), kind: "baru", reason: "belum_terdaftar", note: "Belum terdaftar di DTSEN.", actorId: owner.id, now });
  await recordConsent(db, { proposalId: p.id, actorId: owner.id, now });
  if (opts.complete) {
    await storeKkPhoto(db, t.app.deps.pii, { proposalId: p.id, content: fakePhoto(`KK-${name}`), mime: "image/jpeg", actorId: owner.id, now });
    await storeEvidencePhoto(db, { proposalId: p.id, item: "house_front", fileId: `f-${name}`, fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: 1, actorId: owner.id, now });
    await storeEvidencePhoto(db, { proposalId: p.id, item: "house_inside", fileId: `i-${name}`, fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: 1, actorId: owner.id, now });
    await recordLocation(db, { proposalId: p.id, latitude: -6.4, longitude: 106.8, actorId: owner.id, now });
  }
  for (const to of opts.statuses ?? []) {
    const r = await moveProposal(db, { proposal: await fresh(p.id), to, reason: null, actorId: owner.id, capacities: ["field", "staff"], now });
    expect(r.ok).toBe(true);
  }
  return fresh(p.id);
}

/** The window reminders a chat received (other DTSEN notices aside). */
function messagesTo(chatId: number): string[] {
  return reminders(chatId).map((m) => m.text ?? "");
}

function reminders(chatId: number) {
  return t.fake.messages(chatId).filter((m) => m.text?.startsWith("⏰"));
}

beforeAll(async () => {
  // 16 January 2027, 09:00 WIB: the January window closes on the 31st.
  t = await createTestApp({ start: new Date("2027-01-16T02:00:00Z") });
  coordinator = await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang", area: "32.01.01" });
  volunteer = await seedUser(t, { telegramId: VOL, role: "volunteer", name: "Siti", area: VILLAGE });
  idle = await seedUser(t, { telegramId: IDLE_VOL, role: "volunteer", name: "Rudi", area: VILLAGE });
  await seedUser(t, { telegramId: IDLE_COORD, role: "coordinator", name: "Rina", area: "32.01.02" });
  makassarCoord = await seedUser(t, { telegramId: MKS_COORD, role: "coordinator", name: "Andi", area: "73.71" });
  const mksVolunteer = await seedUser(t, { telegramId: MKS_VOL, role: "volunteer", name: "Ince", area: MAKASSAR_VILLAGE });
  await proposal(volunteer, VILLAGE, "Draf Kurang", { complete: false });
  await proposal(volunteer, VILLAGE, "Draf Lengkap", { complete: true });
  await proposal(volunteer, VILLAGE, "Menunggu", { complete: true, statuses: ["menunggu"] });
  await proposal(volunteer, VILLAGE, "Terverifikasi", { complete: true, statuses: ["menunggu", "terverifikasi"] });
  await proposal(mksVolunteer, MAKASSAR_VILLAGE, "Makassar", { complete: true, statuses: ["menunggu"] });
  void idle;
  void makassarCoord;
  void coordinator;
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("reminders before an update window closes", () => {
  it("are not sent before the day two weeks before the window closes", async () => {
    await runJobs(t);
    for (const chat of [COORD, VOL, MKS_COORD, MKS_VOL]) expect(messagesTo(chat)).toEqual([]);
  });

  it("go out from 08:00 local time that day, per time zone: coordinators get the complete ones not handed over, volunteers the ones to finish", async () => {
    // 17 January 00:30 UTC: 07:30 WIB, 08:30 WITA.
    t.clock.now = at("2027-01-17T00:30:00Z");
    await runJobs(t);
    expect(messagesTo(COORD)).toEqual([]);
    expect(messagesTo(VOL)).toEqual([]);
    const mks = messagesTo(MKS_COORD);
    expect(mks).toHaveLength(1);
    expect(mks[0]).toContain("Jendela pemutakhiran DTSEN Januari 2027 ditutup 31 Januari 2027");
    expect(mks[0]).toContain("ada 1 usulan yang buktinya lengkap tetapi belum diserahkan ke operator desa: 1 menunggu verifikasi, 0 sudah terverifikasi");
    // A volunteer whose proposal is submitted has nothing to do.
    expect(messagesTo(MKS_VOL)).toEqual([]);

    t.clock.now = at("2027-01-17T01:30:00Z"); // 08:30 WIB
    await runJobs(t);
    const coord = messagesTo(COORD);
    expect(coord).toHaveLength(1);
    expect(coord[0]).toContain("Halo Bambang, di wilayah Anda ada 2 usulan yang buktinya lengkap tetapi belum diserahkan ke operator desa: 1 menunggu verifikasi, 1 sudah terverifikasi");
    expect(coord[0]).toContain("Pendamping tidak mengirim usulan ke Kemensos");
    expect(reminders(COORD)[0]!.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["📋 Daftar usulan", "📦 Paket serah terima"]);
    const vol = messagesTo(VOL);
    expect(vol).toHaveLength(1);
    expect(vol[0]).toContain("Halo Siti, ada 2 usulan Anda yang belum diajukan ke koordinator");
    expect(vol[0]).toMatch(/Draf Kurang \(Usulan baru\) — kurang: Foto Kartu Keluarga \(KK\), Foto rumah tampak depan, Foto bagian dalam rumah, Titik lokasi rumah \(GPS\)/);
    expect(vol[0]).toContain("Draf Lengkap (Usulan baru) — lengkap, tinggal diajukan");
    expect(reminders(VOL)[0]!.reply_markup?.inline_keyboard.flat()).toHaveLength(2);
    // Nothing to remind: nothing sent.
    expect(messagesTo(IDLE_VOL)).toEqual([]);
    expect(messagesTo(IDLE_COORD)).toEqual([]);
  });

  it("are sent once per window, whatever runs again or later that window", async () => {
    await runJobs(t);
    t.clock.now = at("2027-01-20T03:00:00Z");
    await runJobs(t);
    t.clock.now = at("2027-01-31T10:00:00Z");
    await runJobs(t);
    expect(messagesTo(COORD)).toHaveLength(1);
    expect(messagesTo(VOL)).toHaveLength(1);
    expect(messagesTo(MKS_COORD)).toHaveLength(1);
  });

  it("come again for the next window (April by default)", async () => {
    t.clock.now = at("2027-04-16T02:00:00Z"); // 30 April closes: reminders from the 16th
    await runJobs(t);
    expect(messagesTo(COORD)).toHaveLength(2);
    expect(messagesTo(COORD)[1]).toContain("Jendela pemutakhiran DTSEN April 2027 ditutup 30 April 2027");
    expect(messagesTo(VOL)).toHaveLength(2);
  });
});

describe("erased households", () => {
  it("lose their proposals' evidence, KK photo included, within the hour", async () => {
    const p = await proposal(volunteer, VILLAGE, "Dihapus", { complete: true, statuses: ["menunggu"] });
    await t.app.deps.db.updateTable("households").set({ anonymized_at: new Date(t.clock.now) }).where("id", "=", p.household_id).execute();
    t.clock.now += 3_600_000;
    await runJobs(t);
    const db = t.app.deps.db;
    expect(await db.selectFrom("dtsen_evidence").select("id").where("proposal_id", "=", p.id).execute()).toEqual([]);
    expect(await fresh(p.id)).toMatchObject({ status: "dibatalkan", note: "–", latitude: null });
  });
});
