import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("households")
    .addColumn("id", "serial", (c) => c.primaryKey())
    // Reference code given to the family, stored without the dash (e.g. "K73QX9D").
    .addColumn("ref_code", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("terdaftar")
        .check(sql`status in ('terdaftar', 'diverifikasi', 'diusulkan', 'menerima_bantuan', 'selesai', 'ditolak')`),
    )
    .addColumn("status_reason", "text")
    .addColumn("status_changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("registered_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("head_name", "text", (c) => c.notNull())
    // Normalised name for near-duplicate checks ("Moh." = "Muhammad").
    .addColumn("head_name_norm", "text", (c) => c.notNull())
    // Identity numbers: AES-256-GCM ciphertext plus an HMAC for lookups. Never plain text.
    .addColumn("head_nik_enc", "text")
    .addColumn("head_nik_hash", "text", (c) => c.unique())
    .addColumn("kk_enc", "text")
    .addColumn("kk_hash", "text", (c) => c.unique())
    .addColumn("head_sex", "text", (c) => c.check(sql`head_sex in ('L', 'P')`))
    .addColumn("head_birth_date", "date")
    .addColumn("village_code", "text", (c) => c.notNull())
    .addColumn("rt", "text")
    .addColumn("rw", "text")
    .addColumn("address", "text")
    .addColumn("latitude", "double precision")
    .addColumn("longitude", "double precision")
    .addColumn("member_count", "integer", (c) => c.notNull().check(sql`member_count between 1 and 50`))
    .addColumn("ppks", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("housing", "text", (c) => c.check(sql`housing in ('layak', 'tidak_layak')`))
    .addColumn("programmes", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("programme_other", "text")
    .addColumn("needs", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("needs_other", "text")
    .addColumn("desil", "smallint", (c) => c.check(sql`desil between 1 and 10`))
    .addColumn("next_visit_date", "date")
    .addColumn("last_visit_at", "timestamptz")
    // Set when the household's personal data was erased on request (UU PDP); counts remain.
    .addColumn("anonymized_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("households_village_idx").on("households").column("village_code").execute();
  await db.schema.createIndex("households_volunteer_idx").on("households").columns(["volunteer_id", "created_at"]).execute();
  await db.schema.createIndex("households_name_idx").on("households").columns(["village_code", "head_name_norm"]).execute();
  await db.schema.createIndex("households_next_visit_idx").on("households").column("next_visit_date").execute();

  await db.schema
    .createTable("household_members")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("relationship", "text", (c) => c.notNull())
    .addColumn("nik_enc", "text")
    .addColumn("nik_hash", "text")
    .addColumn("sex", "text", (c) => c.check(sql`sex in ('L', 'P')`))
    .addColumn("birth_date", "date")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("household_members_household_idx").on("household_members").column("household_id").execute();
  await db.schema.createIndex("household_members_nik_idx").on("household_members").column("nik_hash").execute();

  await db.schema
    .createTable("household_photos")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("file_id", "text", (c) => c.notNull())
    .addColumn("file_unique_id", "text")
    .addColumn("uploaded_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("household_photos_household_idx").on("household_photos").column("household_id").execute();

  await db.schema
    .createTable("household_consents")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("consented_at", "timestamptz", (c) => c.notNull())
    // Which consent text was read to the family (i18n key + version).
    .addColumn("consent_version", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("household_status_history")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("from_status", "text")
    .addColumn("to_status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("changed_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("household_status_history_idx").on("household_status_history").columns(["household_id", "changed_at"]).execute();

  // The No. KK changes when a family moves or splits: keep every number the household had.
  await db.schema
    .createTable("household_kk_history")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("kk_enc", "text", (c) => c.notNull())
    .addColumn("kk_hash", "text", (c) => c.notNull())
    .addColumn("replaced_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("replaced_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["household_kk_history", "household_status_history", "household_consents", "household_photos", "household_members", "households"]) {
    await db.schema.dropTable(t).execute();
  }
}
