/**
 * What the broadcast sender sends for a Cek Aman delivery, rendered at the moment it is sent
 * (so a checklist shows the answers given meanwhile, and a reminder whose households were all
 * answered is not sent at all).
 *
 * @module
 */
import type { Db } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import type { Broadcast } from "../../db/queries/broadcasts.js";
import { findEvent } from "../../db/queries/cekaman.js";
import { findUserById } from "../../db/queries/users.js";
import { eventZone, renderChecklist, renderFamily, type Rendered } from "../../ui/cekaman/render.js";

/**
 * The message of one delivery of a cekaman_* broadcast, or null when there is nothing to say
 * any more (event closed, everything answered, the recipient no longer responsible).
 */
export async function renderCekamanDelivery(db: Db, t: TFunction, b: Broadcast, row: { user_id: number; chat_id: number }): Promise<Rendered | null> {
  if (b.ref_id === null) return null;
  const event = await findEvent(db, b.ref_id);
  if (!event || event.status !== "running") return null;
  if (b.kind === "cekaman_family") {
    return (await renderFamily(db, t, { event, chatId: row.chat_id, zone: await eventZone(db, event) })) ?? null;
  }
  const user = await findUserById(db, row.user_id);
  if (!user || user.status !== "active") return null;
  if (b.kind === "cekaman_offer") {
    if (user.role !== "volunteer" || !user.area_code) return null;
    const r = await renderChecklist(db, t, { event, mode: { kind: "offer", userId: user.id, village: user.area_code }, page: 0, intro: "offer" });
    return r && r.pending > 0 ? r : null;
  }
  const r = await renderChecklist(db, t, { event, mode: { kind: "own", userId: user.id }, page: 0, intro: b.kind === "cekaman_remind" ? "remind" : "list" });
  if (!r) return null;
  if (b.kind === "cekaman_remind" && r.pending === 0) return null;
  return r;
}
