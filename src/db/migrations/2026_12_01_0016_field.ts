import { sql, type Kysely } from "kysely";

// Migrations use Kysely<any>: they are frozen in time and must not follow later schema types.
// One statement per call: PGlite cannot run several commands in one prepared statement.
//
// Trigram similarity (pg_trgm) lets the village search forgive a one-letter typo ("cibinog"
// finds Cibinong). PGlite loads the extension's code at start-up (src/db/client.ts); on
// PostgreSQL it is part of contrib and "trusted" since version 13, so the database owner may
// create it. Where it cannot be created (an old server, a locked-down role), the migration
// says so and goes on: the search then works as before, without typo tolerance (the queries
// check for the extension). The DO blocks keep a refused CREATE EXTENSION from aborting the
// migration's transaction.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`do $$ begin
    create extension if not exists pg_trgm;
  exception when others then
    raise notice 'pg_trgm is not available (%): village search will not forgive typos', sqlerrm;
  end $$`.execute(db);
  await sql`do $$ begin
    if exists (select 1 from pg_extension where extname = 'pg_trgm') then
      create index if not exists regions_search_name_trgm_idx on regions using gin (search_name gin_trgm_ops);
    end if;
  end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists regions_search_name_trgm_idx`.execute(db);
}
