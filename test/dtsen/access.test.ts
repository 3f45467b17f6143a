import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { Household, User } from "../../src/db/schema.js";
import { createProposal, moveProposal, openPackage, recordConsent, recordLocation, storeEvidencePhoto, storeKkPhoto, type Proposal } from "../../src/db/queries/dtsen.js";
import { FAR_VILLAGE, VILLAGE, actor, fakePhoto, runJobs, seedHousehold, seedUser, type SeededHousehold } from "./support.js";

let t: TestApp;
let owner: User;
let h: SeededHousehold;
let h2: SeededHousehold;
let waiting: Proposal;
let handed: Proposal;
let packageId: number;

const COORD = 9201; // coordinator of Kec. Cibinong
const OWNER = 9202; // the households' volunteer
const FAR_VOL = 9203; // a volunteer of another district
const SAME_VILLAGE_VOL = 9204; // a volunteer of the same village, not assigned
const FAR_COORD = 9205; // coordinator of Kec. Gunung Putri
const BENEFICIARY = 9206;
const PENDING = 9207; // a volunteer waiting for approval

const KK = fakePhoto("KK-ACCESS-TEST");

beforeAll(async () => {
  t = await createTestApp();
  const coordinator = await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang", area: "32.01.01" });
  owner = await seedUser(t, { telegramId: OWNER, role: "volunteer", name: "Siti Rahma", area: VILLAGE });
  await seedUser(t, { telegramId: FAR_VOL, role: "volunteer", name: "Dewi Jauh", area: FAR_VILLAGE });
  await seedUser(t, { telegramId: SAME_VILLAGE_VOL, role: "volunteer", name: "Rudi Tetangga", area: VILLAGE });
  await seedUser(t, { telegramId: FAR_COORD, role: "coordinator", name: "Rina Jauh", area: "32.01.02" });
  await seedUser(t, { telegramId: BENEFICIARY, role: "beneficiary", name: null as unknown as string, area: null });
  await seedUser(t, { telegramId: PENDING, role: "volunteer", name: "Tono Baru", area: VILLAGE, status: "pending" });

  const db = t.app.deps.db;
  const now = () => new Date(t.clock.now);
  const full = async (s: SeededHousehold) => db.selectFrom("households").selectAll().where("id", "=", s.id).executeTakeFirstOrThrow() as Promise<Household>;
  h = await seedHousehold(t, owner, VILLAGE, "Siti Aminah");
  h2 = await seedHousehold(t, owner, VILLAGE, "Sri Wahyuni");
  // A complete proposal waiting for verification, with its KK photo.
  waiting = await createProposal(db, { household: await full(h), kind: "baru", reason: "belum_terdaftar", note: "Janda, tiga anak, belum terdaftar.", actorId: owner.id, now: now() });
  await recordConsent(db, { proposalId: waiting.id, actorId: owner.id, now: now() });
  await storeKkPhoto(db, t.app.deps.pii, { proposalId: waiting.id, content: KK, mime: "image/jpeg", actorId: owner.id, now: now() });
  for (const item of ["house_front", "house_inside"] as const) {
    await storeEvidencePhoto(db, { proposalId: waiting.id, item, fileId: `file-${item}`, fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: 10, actorId: owner.id, now: now() });
  }
  await recordLocation(db, { proposalId: waiting.id, latitude: -6.48, longitude: 106.83, actorId: owner.id, now: now() });
  const fresh = async (id: number) => db.selectFrom("dtsen_proposals").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  expect((await moveProposal(db, { proposal: await fresh(waiting.id), to: "menunggu", reason: null, actorId: owner.id, capacities: ["field"], now: now() })).ok).toBe(true);
  // A sanggah, verified and handed over in a package.
  handed = await createProposal(db, { household: await full(h2), kind: "sanggah", reason: "ganda", note: "Nama yang sama terdaftar dua kali.", actorId: owner.id, now: now() });
  await storeKkPhoto(db, t.app.deps.pii, { proposalId: handed.id, content: fakePhoto("KK-2"), mime: "image/jpeg", actorId: owner.id, now: now() });
  await storeEvidencePhoto(db, { proposalId: handed.id, item: "house_front", fileId: "file-front-2", fileUniqueId: null, media: "photo", mime: "image/jpeg", bytes: 10, actorId: owner.id, now: now() });
  await recordLocation(db, { proposalId: handed.id, latitude: -6.48, longitude: 106.83, actorId: owner.id, now: now() });
  for (const [to, by] of [["menunggu", ["field"]], ["terverifikasi", ["staff"]]] as const) {
    expect((await moveProposal(db, { proposal: await fresh(handed.id), to, reason: null, actorId: by[0] === "field" ? owner.id : coordinator.id, capacities: by, now: now() })).ok).toBe(true);
  }
  packageId = (await openPackage(db, { villageCode: VILLAGE, period: "2027-01", actorId: coordinator.id, now: now() }))!.id;
  await runJobs(t);
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** Every DTSEN button, forged with this household's, proposal's and package's ids. */
function forgedButtons(): string[] {
  const p = waiting.id;
  const k = handed.id;
  return [
    `pu:h:${h.id}`,
    `pu:o:${p}`,
    `pu:e:${p}:k`,
    `pu:e:${p}:f`,
    `pu:s:${p}`,
    `pu:x:${p}`,
    `pu:xy:${p}`,
    `pu:ev:${p}`,
    `pu:kk:${p}`,
    `pu:v:${p}`,
    `pu:r:${p}`,
    `pu:hi:${p}`,
    `pu:a:${k}`,
    `pu:j:${k}`,
    `pu:kk:${k}`,
    `pu:pv:${VILLAGE}`,
    `pu:pf:${packageId}`,
    `pu:pd:${packageId}:f`,
    `pu:pd:${packageId}:m`,
    `pu:ph:${packageId}`,
    `pu:py:${packageId}`,
    `pu:po:${packageId}`,
  ];
}

/** The state an intruder must not be able to change. */
async function snapshot() {
  const db = t.app.deps.db;
  return {
    proposals: await db.selectFrom("dtsen_proposals").select(["id", "status", "status_reason", "package_id"]).orderBy("id").execute(),
    evidence: await db.selectFrom("dtsen_evidence").select(["id", "item"]).orderBy("id").execute(),
    packages: await db.selectFrom("dtsen_packages").select(["id", "status"]).orderBy("id").execute(),
    jobs: await db.selectFrom("job").select(["id"]).where("name", "like", "dtsen.%").orderBy("id").execute(),
    audit: await db.selectFrom("audit_log").select(["id"]).where("action", "like", "dtsen.%").orderBy("id").execute(),
    flows: await db.selectFrom("conversation_state").select("key").execute(),
  };
}

async function expectNothingHappens(u: TestUser, data: string[], opts: { ownHousehold?: boolean } = {}): Promise<void> {
  const before = await snapshot();
  const uploads = t.fake.uploads.length;
  for (const d of data) {
    u.markSeen();
    await u.tapData(d);
    const answer = u.lastCallbackAnswer();
    expect(answer, `${d} was not answered`).toBeDefined();
    expect(answer?.["show_alert"], `${d} answered without an alert: ${JSON.stringify(answer)}`).toBe(true);
    expect(u.newTexts(), `${d} showed something`).toEqual([]);
  }
  await runJobs(t);
  expect(await snapshot()).toEqual(before);
  expect(t.fake.uploads.length).toBe(uploads);
  if (opts.ownHousehold) return;
  const everything = t.fake.messages(u.chatId).map((m) => m.text ?? m.caption ?? "").join("\n");
  for (const secret of [h.name, h2.name, h.code, h2.code]) expect(everything).not.toContain(secret);
}

describe("someone else's proposal", () => {
  it("a volunteer of another area can do nothing with it, buttons forged or not", async () => {
    const u = await actor(t, FAR_VOL, "Dewi");
    await expectNothingHappens(u, [...forgedButtons(), "pu:q:0", "pu:d:0", "pu:pk", "pu:wo"]);
    expect(u.lastCallbackAnswer()?.["text"]).toContain("khusus untuk koordinator");
    await u.send("/usulan");
    expect(u.lastText()).toContain("Usulan DTSEN Anda: 0");
  });

  it("a volunteer of the same village who is not assigned to the household can do nothing either", async () => {
    const u = await actor(t, SAME_VILLAGE_VOL, "Rudi");
    await expectNothingHappens(u, forgedButtons());
  });

  it("a coordinator of another area can do nothing with it, and does not see it in their queue", async () => {
    const u = await actor(t, FAR_COORD, "Rina");
    await expectNothingHappens(u, forgedButtons());
    await u.send("/usulan");
    expect(u.lastText()).toContain("Kec. Gunungputri: 0");
    await u.tap("📦 Paket serah terima");
    expect(u.lastText()).toContain("Belum ada usulan terverifikasi");
  });

  it("a beneficiary and a pending volunteer can do nothing with it", async () => {
    const b = await actor(t, BENEFICIARY, "Warga");
    await expectNothingHappens(b, [...forgedButtons(), "pu:q:0", "pu:m:0"]);
    expect(b.lastCallbackAnswer()?.["text"]).toContain("khusus untuk relawan");
    await b.send("/usulan");
    expect(b.lastText()).toContain("khusus untuk relawan");
    const p = await actor(t, PENDING, "Tono");
    await expectNothingHappens(p, [...forgedButtons(), "pu:m:0"]);
    expect(p.lastCallbackAnswer()?.["text"]).toContain("masih menunggu persetujuan");
  });

  it("its own volunteer cannot verify it, record outcomes or download packages", async () => {
    const u = await actor(t, OWNER, "Siti");
    await expectNothingHappens(u, [`pu:v:${waiting.id}`, `pu:r:${waiting.id}`, `pu:a:${handed.id}`, `pu:j:${handed.id}`, `pu:pv:${VILLAGE}`, `pu:pd:${packageId}:f`, `pu:py:${packageId}`], { ownHousehold: true });
    // Nor change the evidence of a proposal waiting for verification.
    await expectNothingHappens(u, [`pu:e:${waiting.id}:k`, `pu:s:${waiting.id}`], { ownHousehold: true });
  });

  it("buttons and /usulan work in private chats only", async () => {
    const group = t.driver.group({ id: -100777, title: "Relawan Cibinong" });
    const member = group.member({ id: COORD, firstName: "Bambang" });
    await member.send("/usulan");
    expect(group.lastText()).not.toContain(h.code);
    const before = await snapshot();
    await member.tapData(`pu:v:${waiting.id}`);
    expect(member.lastCallbackAnswer()?.["show_alert"]).toBe(true);
    await member.tapData(`pu:o:${waiting.id}`);
    expect(group.texts().join("\n")).not.toContain(h.name);
    expect(await snapshot()).toEqual(before);
  });

  it("malformed data is refused without a crash", async () => {
    const u = await actor(t, COORD, "Bambang");
    for (const d of ["pu:", "pu:o:", "pu:o:abc", "pu:o:1:2", "pu:e:1:z", "pu:pv:32.01", "pu:pd:1:x", `pu:o:${"9".repeat(12)}`, "pu:zz:1"]) {
      u.markSeen();
      await u.tapData(d);
      expect(u.lastCallbackAnswer()).toBeDefined();
      expect(u.newTexts()).toEqual([]);
    }
    expect(t.driver.errors).toEqual([]);
  });

  it("while the area's coordinator can open, see and verify it", async () => {
    const u = await actor(t, COORD, "Bambang");
    await u.tapData(`pu:o:${waiting.id}`);
    expect(u.lastText()).toContain(h.code);
    await u.tap("✅ Verifikasi");
    const row = await t.app.deps.db.selectFrom("dtsen_proposals").select("status").where("id", "=", waiting.id).executeTakeFirstOrThrow();
    expect(row.status).toBe("terverifikasi");
  });
});
