import { sql, type Kysely } from "kysely";

// DTSEN proposals (issue 17): proposals prepared in the field with their evidence, their
// status history, and the hand-over packages per village and update window. One statement per
// call (PGlite). Every time column is written by the app from its clock (no defaults).

export async function up(db: Kysely<any>): Promise<void> {
  // Hand-over packages: one open package per village; handed-over ones are kept for the record.
  await db.schema
    .createTable("dtsen_packages")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("village_code", "text", (c) => c.notNull())
    // The update window it belongs to, "2027-01" (year and first month of the window).
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('terbuka', 'diserahkan')`))
    .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("downloaded_at", "timestamptz")
    .addColumn("handed_over_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("handed_over_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("dtsen_packages_open_idx")
    .on("dtsen_packages")
    .column("village_code")
    .unique()
    .where(sql.ref("status"), "=", "terbuka")
    .execute();

  await db.schema
    .createTable("dtsen_proposals")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('baru', 'perubahan', 'sanggah')`))
    // A reason code from the list (domain/dtsen.ts) and the volunteer's own words (no identity numbers).
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("note", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .check(sql`status in ('draft', 'menunggu', 'dikembalikan', 'terverifikasi', 'diserahkan', 'diterima', 'ditolak', 'dibatalkan')`),
    )
    // The last return or rejection reason (shown to the volunteer; to the family when rejected).
    .addColumn("status_reason", "text")
    .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    // The family's consent (the registration's consent text, its version) and who recorded it.
    .addColumn("consent_at", "timestamptz")
    .addColumn("consent_version", "text")
    .addColumn("consent_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    // The house's GPS point.
    .addColumn("latitude", "double precision")
    .addColumn("longitude", "double precision")
    .addColumn("location_at", "timestamptz")
    // First submission for verification: the coordinators' queue is oldest first.
    .addColumn("submitted_at", "timestamptz")
    .addColumn("verified_at", "timestamptz")
    .addColumn("verified_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("package_id", "integer", (c) => c.references("dtsen_packages.id").onDelete("set null"))
    .addColumn("outcome_at", "timestamptz")
    .addColumn("outcome_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint("dtsen_proposals_location_pair", sql`(latitude is null) = (longitude is null)`)
    .execute();
  // At most one proposal in progress per household.
  await db.schema
    .createIndex("dtsen_proposals_open_idx")
    .on("dtsen_proposals")
    .column("household_id")
    .unique()
    .where(sql.ref("status"), "not in", ["diterima", "ditolak", "dibatalkan"])
    .execute();
  await db.schema.createIndex("dtsen_proposals_status_idx").on("dtsen_proposals").columns(["status", "submitted_at"]).execute();
  await db.schema.createIndex("dtsen_proposals_package_idx").on("dtsen_proposals").column("package_id").execute();

  // Evidence photos. The KK photo is stored only encrypted (PII key, AES-256-GCM): the chat
  // copy is deleted and no Telegram file id is kept for it. Other photos keep their file id
  // and are downloaded when a package is built.
  await db.schema
    .createTable("dtsen_evidence")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("proposal_id", "integer", (c) => c.notNull().references("dtsen_proposals.id").onDelete("cascade"))
    .addColumn("item", "text", (c) => c.notNull().check(sql`item in ('kk', 'house_front', 'house_inside', 'letter')`))
    .addColumn("file_id", "text")
    .addColumn("file_unique_id", "text")
    .addColumn("content_enc", "text")
    .addColumn("mime", "text")
    // How Telegram holds it: a photo, or an image sent as a file (shown back with sendDocument).
    .addColumn("media", "text", (c) => c.notNull().check(sql`media in ('photo', 'document')`))
    .addColumn("bytes", "integer")
    .addColumn("added_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("added_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("dtsen_evidence_once", ["proposal_id", "item"])
    .addCheckConstraint(
      "dtsen_evidence_storage",
      sql`(item = 'kk' and content_enc is not null and file_id is null) or (item <> 'kk' and file_id is not null and content_enc is null)`,
    )
    .execute();

  await db.schema
    .createTable("dtsen_proposal_history")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("proposal_id", "integer", (c) => c.notNull().references("dtsen_proposals.id").onDelete("cascade"))
    .addColumn("from_status", "text")
    .addColumn("to_status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("changed_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("changed_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("dtsen_proposal_history_idx").on("dtsen_proposal_history").columns(["proposal_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dtsen_proposal_history").execute();
  await db.schema.dropTable("dtsen_evidence").execute();
  await db.schema.dropTable("dtsen_proposals").execute();
  await db.schema.dropTable("dtsen_packages").execute();
}
