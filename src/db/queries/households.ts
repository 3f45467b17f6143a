import type { ExpressionBuilder } from "kysely";
import type { Database, Db, Household, User } from "../schema.js";

/**
 * SQL condition for the households a user may see (same rule as `canViewHousehold`):
 * volunteers their own, coordinators their area, admins all. Anyone else sees nothing.
 */
export function visibleTo(user: User) {
  return (eb: ExpressionBuilder<Database, "households">) => {
    if (user.status !== "active") return eb.val(false);
    if (user.role === "admin") return eb.val(true);
    if (user.role === "coordinator" && user.area_code) {
      return eb.or([eb("households.village_code", "=", user.area_code), eb("households.village_code", "like", `${user.area_code}.%`)]);
    }
    if (user.role === "volunteer") return eb("households.volunteer_id", "=", user.id);
    return eb.val(false);
  };
}

export async function findHousehold(db: Db, id: number): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The household if this user may see it, otherwise undefined (forged ids get nothing). */
export async function findVisibleHousehold(db: Db, user: User, id: number): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("id", "=", id).where(visibleTo(user)).executeTakeFirst();
}

export async function findHouseholdByRefCode(db: Db, refCode: string): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("ref_code", "=", refCode).executeTakeFirst();
}
