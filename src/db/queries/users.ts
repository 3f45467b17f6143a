import { sql } from "kysely";
import type { Db, NewUser, Role, User, UserStatus, UserUpdate } from "../schema.js";

export async function findUserByTelegramId(db: Db, telegramId: number): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("telegram_id", "=", telegramId).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Inserts a user unless one exists for the Telegram id; returns the stored row either way. */
export async function ensureUser(db: Db, values: NewUser): Promise<User> {
  const inserted = await db
    .insertInto("users")
    .values(values)
    .onConflict((oc) => oc.column("telegram_id").doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await findUserByTelegramId(db, values.telegram_id))!;
}

export async function updateUser(db: Db, id: number, values: UserUpdate): Promise<User> {
  return db
    .updateTable("users")
    .set(values)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Active users with one of the roles whose area contains `code` (their area is the code or an
 * ancestor of it). Admins (area null) are included when `includeAdmins` is set.
 */
export async function findStaffCovering(
  db: Db,
  code: string,
  opts: { roles?: Role[]; includeAdmins?: boolean } = {},
): Promise<User[]> {
  const roles = opts.roles ?? ["coordinator"];
  const ancestors = ancestorCodes(code);
  return db
    .selectFrom("users")
    .selectAll()
    .where("status", "=", "active" satisfies UserStatus)
    .where((eb) =>
      eb.or([
        eb.and([eb("role", "in", roles), eb("area_code", "in", ancestors)]),
        ...(opts.includeAdmins ? [eb("role", "=", "admin")] : []),
      ]),
    )
    .orderBy("id")
    .execute();
}

/** "32.01.05.2001" → ["32", "32.01", "32.01.05", "32.01.05.2001"]. */
export function ancestorCodes(code: string): string[] {
  const parts = code.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}
