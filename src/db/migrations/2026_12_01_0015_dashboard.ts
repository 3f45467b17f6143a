import { sql, type Kysely } from "kysely";

/**
 * Coordinator dashboard (Telegram Mini App, issue 14): sessions, one-time desktop login links,
 * the initData already exchanged (replay protection), each household's latest visit (kept by a
 * trigger, for the "urgency of the last visit" filter and the map colours), and indexes the
 * dashboard's queries over 100,000 households need. One statement per call (PGlite). Times are
 * written by the app from its clock, never defaulted from the database's now().
 */
export async function up(db: Kysely<any>): Promise<void> {
  // A dashboard session: a random bearer token (only its SHA-256 is stored), short-lived
  // (`expires_at`), ended early by `revoked_at` (logout, or the person stopped being staff).
  await db.schema
    .createTable("dashboard_sessions")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("via", "text", (c) => c.notNull().check(sql`via in ('telegram', 'link', 'dev')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("dashboard_sessions_user_idx").on("dashboard_sessions").columns(["user_id", "expires_at"]).execute();

  // "Buka di komputer": a one-time login link (10 minutes, single use); only its hash is stored.
  await db.schema
    .createTable("dashboard_login_links")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("dashboard_login_links_user_idx").on("dashboard_login_links").columns(["user_id", "created_at"]).execute();

  // Telegram initData exchanged for a session, by the SHA-256 of its signature: the same
  // initData presented again (a replay) is refused. Rows go once the initData is too old anyway.
  await db.schema
    .createTable("dashboard_init_data")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("used_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("dashboard_init_data_expiry_idx").on("dashboard_init_data").column("expires_at").execute();

  // Each household's latest visit (by visit date, then id), maintained by a trigger on visits,
  // so that filtering and colouring 100,000 households by the last visit's urgency needs no
  // per-household subquery. No foreign keys: rows are removed with the household's last visit.
  await db.schema
    .createTable("household_last_visit")
    .addColumn("household_id", "integer", (c) => c.primaryKey())
    .addColumn("visit_id", "integer", (c) => c.notNull())
    .addColumn("visited_on", "date", (c) => c.notNull())
    .addColumn("urgency", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("household_last_visit_urgency_idx").on("household_last_visit").columns(["urgency", "household_id"]).execute();

  await sql`
    create or replace function household_last_visit_sync(hid integer) returns void language sql as $$
      delete from household_last_visit
        where household_id = hid and not exists (select 1 from visits where household_id = hid);
      insert into household_last_visit (household_id, visit_id, visited_on, urgency)
        select household_id, id, visited_on, urgency from visits
        where household_id = hid
        order by visited_on desc, id desc
        limit 1
      on conflict (household_id) do update
        set visit_id = excluded.visit_id, visited_on = excluded.visited_on, urgency = excluded.urgency;
    $$`.execute(db);
  // Visits per village and day (for the summary's weeks and months over 100,000 households: a
  // few thousand rows instead of a join of the visits with the households). Kept by the same
  // trigger on visits, and by triggers on households when a household moves to another
  // village or is deleted (before its visits go with it). A visit counts in its household's
  // village. The code column is in "C" collation so the area prefix match uses the key.
  await db.schema
    .createTable("visit_daily")
    .addColumn("village_code", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("visited_on", "date", (c) => c.notNull())
    .addColumn("n", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("visit_daily_pk", ["village_code", "visited_on"])
    .execute();
  await sql`create index visit_daily_day_idx on visit_daily (visited_on, village_code)`.execute(db);
  await sql`
    create or replace function visit_daily_add(village text, day date, delta integer) returns void language sql as $$
      insert into visit_daily (village_code, visited_on, n) values (village, day, delta)
      on conflict (village_code, visited_on) do update set n = visit_daily.n + excluded.n;
    $$`.execute(db);
  await sql`
    create or replace function household_last_visit_trigger() returns trigger language plpgsql as $$
    declare
      village text;
    begin
      if tg_op = 'DELETE' then
        perform household_last_visit_sync(old.household_id);
      else
        perform household_last_visit_sync(new.household_id);
        if tg_op = 'UPDATE' and old.household_id <> new.household_id then
          perform household_last_visit_sync(old.household_id);
        end if;
      end if;
      -- visit_daily: a household deleted together with its visits was taken off already
      -- (households_visit_daily_del), so a missing household means nothing to do.
      if tg_op = 'DELETE' or (tg_op = 'UPDATE' and (old.household_id <> new.household_id or old.visited_on <> new.visited_on)) then
        select h.village_code into village from households h where h.id = old.household_id;
        if found then
          perform visit_daily_add(village, old.visited_on, -1);
        end if;
      end if;
      if tg_op = 'INSERT' or (tg_op = 'UPDATE' and (old.household_id <> new.household_id or old.visited_on <> new.visited_on)) then
        select h.village_code into village from households h where h.id = new.household_id;
        if found then
          perform visit_daily_add(village, new.visited_on, 1);
        end if;
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create or replace function visit_daily_household_trigger() returns trigger language plpgsql as $$
    begin
      insert into visit_daily (village_code, visited_on, n)
        select old.village_code, v.visited_on, -count(*)::int from visits v where v.household_id = old.id group by v.visited_on
      on conflict (village_code, visited_on) do update set n = visit_daily.n + excluded.n;
      if tg_op = 'DELETE' then
        return old;
      end if;
      insert into visit_daily (village_code, visited_on, n)
        select new.village_code, v.visited_on, count(*)::int from visits v where v.household_id = new.id group by v.visited_on
      on conflict (village_code, visited_on) do update set n = visit_daily.n + excluded.n;
      return new;
    end
    $$`.execute(db);
  await sql`
    create trigger households_visit_daily_del
    before delete on households
    for each row execute function visit_daily_household_trigger()`.execute(db);
  await sql`
    create trigger households_visit_daily_move
    after update of village_code on households
    for each row when (old.village_code is distinct from new.village_code)
    execute function visit_daily_household_trigger()`.execute(db);
  // Households per village by status and by PPKS category ("total", "status:<code>",
  // "ppks:<code>"), kept by triggers on households, so the summary of a regency does not
  // count 100,000 rows on every view. Anonymised households still count (as in /rekap).
  await db.schema
    .createTable("village_household_counts")
    .addColumn("village_code", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("n", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("village_household_counts_pk", ["village_code", "key"])
    .execute();
  await sql`
    create or replace function village_counts_add(village text, st text, pp text[], delta integer) returns void language sql as $$
      insert into village_household_counts (village_code, key, n)
        select village, k, delta
        from (select 'total' as k union select 'status:' || st union select distinct 'ppks:' || p from unnest(pp) as p) as keys
      on conflict (village_code, key) do update set n = village_household_counts.n + excluded.n;
    $$`.execute(db);
  await sql`
    create or replace function village_counts_trigger() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' or tg_op = 'DELETE' then
        perform village_counts_add(old.village_code, old.status, old.ppks, -1);
      end if;
      if tg_op = 'UPDATE' or tg_op = 'INSERT' then
        perform village_counts_add(new.village_code, new.status, new.ppks, 1);
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger households_counts_trg
    after insert or delete on households
    for each row execute function village_counts_trigger()`.execute(db);
  await sql`
    create trigger households_counts_upd_trg
    after update of village_code, status, ppks on households
    for each row when (old.village_code is distinct from new.village_code or old.status is distinct from new.status or old.ppks is distinct from new.ppks)
    execute function village_counts_trigger()`.execute(db);
  await sql`
    insert into village_household_counts (village_code, key, n)
    select village_code, k, count(*)::int from (
      select village_code, 'total' as k from households
      union all select village_code, 'status:' || status from households
      union all select h.village_code, 'ppks:' || p.code from households h, lateral (select distinct unnest(h.ppks) as code) as p
    ) as x
    group by 1, 2`.execute(db);
  await sql`
    create trigger visits_last_visit_trg
    after insert or delete or update of household_id, visited_on, urgency on visits
    for each row execute function household_last_visit_trigger()`.execute(db);
  await sql`
    insert into household_last_visit (household_id, visit_id, visited_on, urgency)
    select distinct on (household_id) household_id, id, visited_on, urgency
    from visits
    order by household_id, visited_on desc, id desc`.execute(db);
  await sql`
    insert into visit_daily (village_code, visited_on, n)
    select h.village_code, v.visited_on, count(*)::int
    from visits v join households h on h.id = v.household_id
    group by 1, 2`.execute(db);

  // Area scope is a prefix match on the village code ("32.01.01" and everything inside): an
  // index the LIKE 'prefix%' can use whatever the database collation.
  await sql`create index households_village_pattern_idx on households (village_code text_pattern_ops)`.execute(db);
  // The households table's sorts (src/web/data/households.ts), so a page is read from an index.
  await sql`create index households_created_idx on households (created_at, id)`.execute(db);
  await sql`create index households_status_idx on households (status, id)`.execute(db);
  await sql`create index households_name_sort_idx on households (head_name_norm, id)`.execute(db);
  await sql`create index households_last_visit_at_idx on households (last_visit_at desc nulls last, id desc)`.execute(db);
  await sql`create index households_next_visit_id_idx on households (next_visit_date, id)`.execute(db);
  await sql`create index households_ppks_idx on households using gin (ppks)`.execute(db);
  // Overdue households (the summary and targets): an index-only range on the planned date.
  await sql`create index households_due_idx on households (next_visit_date) include (village_code, status, anonymized_at, volunteer_id)`.execute(db);
  await sql`create index visits_day_household_idx on visits (visited_on, household_id)`.execute(db);
  await sql`create index users_area_pattern_idx on users (area_code text_pattern_ops)`.execute(db);

  // Search by a part of the head's name: a trigram index where the server offers pg_trgm
  // (PostgreSQL contrib). Without it (e.g. the embedded PGlite) the search still works, by scan.
  await sql`
    do $$
    begin
      if exists (select 1 from pg_available_extensions where name = 'pg_trgm') then
        begin
          create extension if not exists pg_trgm;
        exception when others then
          raise notice 'pg_trgm could not be created: %', sqlerrm;
        end;
      end if;
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        execute 'create index if not exists households_name_trgm_idx on households using gin (head_name_norm gin_trgm_ops)';
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists households_name_trgm_idx`.execute(db);
  await sql`drop index if exists users_area_pattern_idx`.execute(db);
  await sql`drop index if exists visits_day_household_idx`.execute(db);
  await sql`drop index if exists households_next_visit_id_idx`.execute(db);
  await sql`drop index if exists households_last_visit_at_idx`.execute(db);
  await sql`drop index if exists households_name_sort_idx`.execute(db);
  await sql`drop index if exists households_ppks_idx`.execute(db);
  await sql`drop index if exists households_status_idx`.execute(db);
  await sql`drop index if exists households_created_idx`.execute(db);
  await sql`drop index if exists households_village_pattern_idx`.execute(db);
  await sql`drop index if exists households_due_idx`.execute(db);
  await sql`drop trigger if exists households_counts_upd_trg on households`.execute(db);
  await sql`drop trigger if exists households_counts_trg on households`.execute(db);
  await sql`drop function if exists village_counts_trigger()`.execute(db);
  await sql`drop function if exists village_counts_add(text, text, text[], integer)`.execute(db);
  await db.schema.dropTable("village_household_counts").ifExists().execute();
  await sql`drop trigger if exists households_visit_daily_move on households`.execute(db);
  await sql`drop trigger if exists households_visit_daily_del on households`.execute(db);
  await sql`drop trigger if exists visits_last_visit_trg on visits`.execute(db);
  await sql`drop function if exists visit_daily_household_trigger()`.execute(db);
  await sql`drop function if exists household_last_visit_trigger()`.execute(db);
  await sql`drop function if exists visit_daily_add(text, date, integer)`.execute(db);
  await sql`drop function if exists household_last_visit_sync(integer)`.execute(db);
  await db.schema.dropTable("visit_daily").ifExists().execute();
  await db.schema.dropTable("household_last_visit").ifExists().execute();
  await db.schema.dropTable("dashboard_init_data").ifExists().execute();
  await db.schema.dropTable("dashboard_login_links").ifExists().execute();
  await db.schema.dropTable("dashboard_sessions").ifExists().execute();
}
