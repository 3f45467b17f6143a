import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";

/** Timestamps are read as Date and written as Date or ISO strings. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export const ROLES = ["volunteer", "coordinator", "admin", "beneficiary"] as const;
export type Role = (typeof ROLES)[number];
export const USER_STATUSES = ["pending", "active", "rejected", "suspended"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export interface UsersTable {
  id: Generated<number>;
  telegram_id: number;
  role: Role;
  status: UserStatus;
  name: string | null;
  phone: string | null;
  locale: string;
  /** Kemendagri region code of the working area (village for volunteers); null = whole country (admins). */
  area_code: string | null;
  /** Telegram username, only for display to coordinators. */
  username: string | null;
  /** Why the registration was rejected or the account suspended. */
  status_reason: string | null;
  decided_by: number | null;
  decided_at: Timestamp | null;
  /** Set when Telegram answered 403 (the user blocked the bot). */
  unreachable_at: Timestamp | null;
  last_active_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ConversationStateTable {
  key: string;
  state: ColumnType<unknown, string, string>;
  updated_at: UpdatedAt;
}

export interface AuditLogTable {
  id: Generated<number>;
  /** users.id of the actor; null for the system or an anonymous chat. */
  actor_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  /** Extra facts without personal data. */
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
}

export interface ProcessedUpdateTable {
  update_id: number;
  processed_at: CreatedAt;
}

export interface JobTable {
  id: Generated<number>;
  name: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  key: string | null;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  attempts: Generated<number>;
  locked_until: Timestamp | null;
  done_at: Timestamp | null;
  failed_at: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
}

export type DateColumn = ColumnType<string, string, string>;

export interface HouseholdsTable {
  id: Generated<number>;
  ref_code: string;
  status: Generated<string>;
  status_reason: string | null;
  status_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  volunteer_id: number | null;
  registered_by: number | null;
  head_name: string;
  head_name_norm: string;
  head_nik_enc: string | null;
  head_nik_hash: string | null;
  kk_enc: string | null;
  kk_hash: string | null;
  head_sex: "L" | "P" | null;
  /** ISO date (YYYY-MM-DD); read as a string (see the DATE parser in db/client.ts). */
  head_birth_date: DateColumn | null;
  village_code: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  member_count: number;
  ppks: ColumnType<string[], string[] | undefined, string[]>;
  housing: string | null;
  programmes: ColumnType<string[], string[] | undefined, string[]>;
  programme_other: string | null;
  needs: ColumnType<string[], string[] | undefined, string[]>;
  needs_other: string | null;
  desil: number | null;
  next_visit_date: DateColumn | null;
  last_visit_at: Timestamp | null;
  anonymized_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface HouseholdMembersTable {
  id: Generated<number>;
  household_id: number;
  name: string;
  relationship: string;
  nik_enc: string | null;
  nik_hash: string | null;
  sex: "L" | "P" | null;
  birth_date: DateColumn | null;
  created_at: CreatedAt;
}

export interface HouseholdPhotosTable {
  id: Generated<number>;
  household_id: number;
  file_id: string;
  file_unique_id: string | null;
  uploaded_by: number | null;
  created_at: CreatedAt;
}

export interface HouseholdConsentsTable {
  id: Generated<number>;
  household_id: number;
  volunteer_id: number | null;
  consented_at: Timestamp;
  consent_version: string;
  locale: string;
  created_at: CreatedAt;
}

export interface HouseholdStatusHistoryTable {
  id: Generated<number>;
  household_id: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  changed_by: number | null;
  changed_at: CreatedAt;
}

export interface HouseholdKkHistoryTable {
  id: Generated<number>;
  household_id: number;
  kk_enc: string;
  kk_hash: string;
  replaced_by: number | null;
  replaced_at: CreatedAt;
}

/**
 * Kemendagri regions (data/regions, Kepmendagri 300.2.2-2138/2025), loaded once by the
 * migration and read-only afterwards. Codes are dotted: "32", "32.01", "32.01.05", "32.01.05.2001".
 */
export interface RegionsTable {
  code: string;
  /** Official name, e.g. "Kabupaten Sukabumi", "Cibadak", "Regapu’u". */
  name: string;
  /** 1 = province, 2 = regency or city, 3 = district, 4 = village. */
  level: 1 | 2 | 3 | 4;
  kind: "provinsi" | "kabupaten" | "kota" | "kecamatan" | "kelurahan" | "desa" | "desa_adat";
  /** Null for provinces. */
  parent_code: string | null;
  /** normalizeRegionName(name, level): lower-case ASCII words, regency type word removed. */
  search_name: string;
  /** Provinces only: normalised abbreviations ("jabar", "dki jakarta dkj"). */
  search_alias: string | null;
  /** IANA zone of the region's province, e.g. "Asia/Makassar". */
  tz: string;
  tz_label: "WIB" | "WITA" | "WIT";
}

export interface StaffNoticeTable {
  id: Generated<number>;
  /** What the message is about, e.g. "approval:42" or "alert:17". */
  topic: string;
  user_id: number | null;
  chat_id: number;
  message_id: number;
  created_at: CreatedAt;
}

/** Every table, for Kysely. Feature migrations add their tables here. */
export interface Database {
  users: UsersTable;
  conversation_state: ConversationStateTable;
  audit_log: AuditLogTable;
  processed_update: ProcessedUpdateTable;
  job: JobTable;
  households: HouseholdsTable;
  household_members: HouseholdMembersTable;
  household_photos: HouseholdPhotosTable;
  household_consents: HouseholdConsentsTable;
  household_status_history: HouseholdStatusHistoryTable;
  household_kk_history: HouseholdKkHistoryTable;
  regions: RegionsTable;
  staff_notice: StaffNoticeTable;
}

export type Household = Selectable<HouseholdsTable>;

/** The root database or a transaction: repositories accept either. */
export type Db = Kysely<Database> | Transaction<Database>;

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
