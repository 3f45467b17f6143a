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

/** A volunteer's registration or move to another village, waiting for a coordinator. */
export interface VolunteerApplicationsTable {
  id: Generated<number>;
  user_id: number;
  kind: "registration" | "area_change";
  /** The village asked for. */
  area_code: string;
  /** Area changes: the village left. */
  previous_area_code: string | null;
  status: Generated<"pending" | "approved" | "rejected" | "superseded" | "withdrawn">;
  /** Rejection reason typed by the coordinator (shown to the volunteer, never audited). */
  reason: string | null;
  decided_by: number | null;
  decided_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Invite links (/undang). The code is stored as a keyed hash (lookup) and encrypted (display). */
export interface InvitesTable {
  id: Generated<number>;
  code_hash: string;
  code_enc: string;
  role: "volunteer" | "coordinator";
  area_code: string;
  created_by: number;
  max_uses: number;
  uses: Generated<number>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface InviteUsesTable {
  id: Generated<number>;
  invite_id: number;
  user_id: number;
  used_at: CreatedAt;
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

/** A status check attempt (the code only as a keyed hash; nothing of the verification). */
export interface StatusAttemptsTable {
  id: Generated<number>;
  chat_id: number;
  code_hash: string;
  success: boolean;
  at: Timestamp;
}

/** A chat that passed the status check for a household, until `expires_at`. */
export interface StatusSessionsTable {
  chat_id: number;
  household_id: number;
  verified_at: Timestamp;
  expires_at: Timestamp;
}

/** A chat to tell when the household's status changes. */
export interface StatusSubscriptionsTable {
  id: Generated<number>;
  household_id: number;
  chat_id: number;
  created_at: CreatedAt;
}

export const DATA_REQUEST_KINDS = ["access", "correction", "deletion"] as const;
export type DataRequestKind = (typeof DATA_REQUEST_KINDS)[number];
export type DataRequestStatus = "open" | "resolved" | "rejected";

/** A data-subject request (UU PDP): access, correction or deletion, due 3×24 hours after it was made. */
export interface DataRequestsTable {
  id: Generated<number>;
  household_id: number;
  chat_id: number;
  requester_id: number | null;
  kind: DataRequestKind;
  /** What to correct, as written by the person: ciphertext (PiiCrypto). Never logged. */
  details_enc: string | null;
  status: ColumnType<DataRequestStatus, DataRequestStatus | undefined, DataRequestStatus>;
  created_at: Timestamp;
  due_at: Timestamp;
  resolved_by: number | null;
  resolved_at: Timestamp | null;
  resolution_note: string | null;
}

/** A visit report (issue 5). Dates are local to the household's province. */
export interface VisitsTable {
  id: Generated<number>;
  household_id: number;
  /** Who reported it. */
  volunteer_id: number | null;
  visited_on: DateColumn;
  /** Telegram's message.date of the first report message (kept for late deliveries). */
  written_at: Timestamp;
  purpose: string;
  intervention: string;
  conditions: ColumnType<string[], string[] | undefined, string[]>;
  condition_note: string | null;
  help_given: string | null;
  referral: string | null;
  referral_note: string | null;
  follow_up: boolean;
  next_visit_date: DateColumn | null;
  urgency: string;
  latitude: number | null;
  longitude: number | null;
  /** Metres from the household's point, when both the report and the household had one (issue 16). */
  distance_m: number | null;
  /** Listed for the coordinator's review: "far" from the house, or "no_location" although the house has a point. */
  review_reason: "far" | "no_location" | null;
  /** The volunteer's answer to the location follow-up: "updated" the house's point, "not_there", "declined". */
  location_answer: "updated" | "not_there" | "declined" | null;
  created_at: CreatedAt;
}

export interface VisitMediaTable {
  id: Generated<number>;
  visit_id: number;
  kind: "photo" | "voice";
  file_id: string;
  file_unique_id: string | null;
  created_at: CreatedAt;
}

/** An emergency (darurat) report waiting for a coordinator. */
export interface AlertsTable {
  id: Generated<number>;
  visit_id: number;
  household_id: number;
  /** The household's village code. */
  area_code: string;
  status: ColumnType<"open" | "acknowledged" | "resolved", "open" | "acknowledged" | "resolved" | undefined, "open" | "acknowledged" | "resolved">;
  acknowledged_by: number | null;
  acknowledged_at: Timestamp | null;
  resolved_by: number | null;
  resolved_at: Timestamp | null;
  resolution_note: string | null;
  escalated_at: Timestamp | null;
  created_at: CreatedAt;
}

/** A Telegram group that also receives an area's alerts. */
export interface AlertGroupsTable {
  chat_id: number;
  area_code: string;
  linked_by: number | null;
  linked_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Morning messages sent (one per person, kind and local date). */
export interface ReminderLogTable {
  id: Generated<number>;
  kind: "volunteer" | "digest";
  user_id: number;
  local_date: DateColumn;
  sent_at: Timestamp;
  delivered: Generated<boolean>;
}

export type BroadcastAudience = "area" | "region" | "coordinators" | "pending";
export type BroadcastStatus = "draft" | "sending" | "done" | "cancelled";
export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "unreachable";

/** A coordinator's broadcast (/siaran). */
export interface BroadcastsTable {
  id: Generated<number>;
  created_by: number | null;
  area_code: string | null;
  audience_kind: BroadcastAudience;
  audience_code: string | null;
  /** Telegram HTML; the caption when there is media. */
  text_html: string;
  media_kind: "photo" | "document" | null;
  media_file_id: string | null;
  status: ColumnType<BroadcastStatus, BroadcastStatus | undefined, BroadcastStatus>;
  total: Generated<number>;
  sent_count: Generated<number>;
  failed_count: Generated<number>;
  unreachable_count: Generated<number>;
  progress_chat_id: number | null;
  progress_message_id: number | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
  /** What the deliveries carry (migration 0013): a coordinator's message, or a check-in list / reminder. */
  kind: ColumnType<BroadcastKind, BroadcastKind | undefined, BroadcastKind>;
  /** The check-in event (cekaman_*) or the original broadcast (ack_remind). */
  ref_id: number | null;
  /** Higher is served first. */
  priority: Generated<number>;
  /** "Minta konfirmasi baca": recipients get a "Sudah dibaca" button. */
  ack_requested: Generated<boolean>;
  ack_reminded_at: Timestamp | null;
}

/** One recipient of a broadcast: the delivery queue (claimed with SKIP LOCKED and a lease). */
export interface BroadcastDeliveriesTable {
  id: Generated<number>;
  broadcast_id: number;
  user_id: number;
  chat_id: number;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_by: string | null;
  lease_until: Timestamp | null;
  sent_at: Timestamp | null;
  message_id: number | null;
  error: string | null;
  /** When the recipient tapped "Sudah dibaca" (acknowledged broadcasts). */
  acked_at: Timestamp | null;
}

/** The lease that makes one process at a time send broadcasts (the rate limit is global). */
export interface BroadcastSenderLeaseTable {
  name: string;
  holder: string | null;
  lease_until: Timestamp | null;
}

/** A household's family PIN for the status check (issue 11): a keyed hash, never the PIN itself. */
export interface HouseholdPinsTable {
  household_id: number;
  /** HMAC-SHA-256 (PII key) of the salt and the PIN. */
  pin_hash: string;
  /** Random per issuance. */
  salt: string;
  issued_by: number | null;
  issued_at: Timestamp;
}

/** Dashboard (Mini App) sessions: bearer tokens stored as SHA-256, short-lived and revocable. */
export interface DashboardSessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  via: "telegram" | "link" | "dev";
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

/** One-time desktop login links ("Buka di komputer"): 10 minutes, single use. */
export interface DashboardLoginLinksTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** Telegram initData already exchanged for a session (replay protection), by the hash of its signature. */
export interface DashboardInitDataTable {
  hash: string;
  used_at: Timestamp;
  expires_at: Timestamp;
}

/** Households per village by key ("total", "status:<code>", "ppks:<code>"), kept by triggers (migration 0015). Read-only for the app. */
export interface VillageHouseholdCountsTable {
  village_code: string;
  key: string;
  n: number;
}

/** Visits per village and day, kept by triggers on visits and households (migration 0015). Read-only for the app. */
export interface VisitDailyTable {
  village_code: string;
  visited_on: DateColumn;
  n: number;
}

/** Each household's latest visit, kept by a trigger on visits (migration 0015). Read-only for the app. */
export interface HouseholdLastVisitTable {
  household_id: number;
  visit_id: number;
  visited_on: DateColumn;
  urgency: string;
}

/** Issue 15: what a broadcast's deliveries carry. */
export type BroadcastKind = "message" | "ack_remind" | "cekaman_checklist" | "cekaman_family" | "cekaman_remind" | "cekaman_offer";
export type CekamanStatus = "pending" | "aman" | "butuh_bantuan" | "mengungsi" | "tidak_terhubung";
export type CekamanVia = "volunteer" | "family" | "staff";

/** A disaster check-in ("Cek Aman", issue 15). */
export interface CekamanEventsTable {
  id: Generated<number>;
  created_by: number | null;
  area_code: string | null;
  regions: ColumnType<string[], string[], string[]>;
  /** As typed by the coordinator: never audited or logged. */
  description: string;
  selection: "all" | "priority";
  status: ColumnType<"running" | "closed", "running" | "closed" | undefined, "running" | "closed">;
  started_at: Timestamp;
  remind_minutes: number;
  total: Generated<number>;
  reminded_at: Timestamp | null;
  offered_at: Timestamp | null;
  tally_edited_at: Timestamp | null;
  closed_at: Timestamp | null;
  closed_by: number | null;
  report_file_id: string | null;
}

/** One household of a check-in, with its latest answer. */
export interface CekamanHouseholdsTable {
  id: Generated<number>;
  event_id: number;
  household_id: number;
  village_code: string;
  volunteer_id: number | null;
  priority: boolean;
  groups: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<CekamanStatus, CekamanStatus | undefined, CekamanStatus>;
  answered_at: Timestamp | null;
  answered_by: number | null;
  answered_via: CekamanVia | null;
  needs: ColumnType<string[], string[] | undefined, string[]>;
  note: string | null;
  shelter: string | null;
  photo_file_id: string | null;
  latitude: number | null;
  longitude: number | null;
  reminded_at: Timestamp | null;
  offered_at: Timestamp | null;
}

/** Every answer given in a check-in (append-only). */
export interface CekamanAnswersTable {
  id: Generated<number>;
  event_household_id: number;
  event_id: number;
  status: CekamanStatus;
  answered_by: number | null;
  via: CekamanVia;
  chat_id: number | null;
  needs: ColumnType<string[], string[] | undefined, string[]>;
  note: string | null;
  shelter: string | null;
  photo_file_id: string | null;
  latitude: number | null;
  longitude: number | null;
  at: Timestamp;
}

/** A "Butuh bantuan" waiting for the area's coordinators. */
export interface CekamanHelpTable {
  id: Generated<number>;
  event_id: number;
  event_household_id: number;
  household_id: number;
  area_code: string;
  status: ColumnType<"open" | "acknowledged" | "resolved", "open" | "acknowledged" | "resolved" | undefined, "open" | "acknowledged" | "resolved">;
  acknowledged_by: number | null;
  acknowledged_at: Timestamp | null;
  resolved_by: number | null;
  resolved_at: Timestamp | null;
  created_at: Timestamp;
}

export interface CekamanTallyMessagesTable {
  event_id: number;
  chat_id: number;
  user_id: number | null;
  message_id: number;
}

/** The manual "prioritas bencana" flag of a household. */
export interface CekamanPriorityFlagsTable {
  household_id: number;
  set_by: number | null;
  set_at: Timestamp;
}

/** A monthly target (issue 16): for one volunteer, or for an area (each volunteer in it without their own). */
export interface MonthlyTargetTable {
  id: Generated<number>;
  /** "YYYY-MM", counted in local time (WIB/WITA/WIT). */
  month: string;
  volunteer_id: number | null;
  area_code: string | null;
  visits: number;
  registrations: number;
  set_by: number | null;
  set_at: Timestamp;
}

/** "Tunda ke besok": a household left out of one day's plan, with the volunteer's reason. */
export interface PlanPostponementTable {
  id: Generated<number>;
  household_id: number;
  volunteer_id: number | null;
  postponed_on: DateColumn;
  postponed_until: DateColumn;
  reason_code: string;
  reason_text: string | null;
  created_at: Timestamp;
}

/** Weekly progress messages and 25th-day digests sent (once per person, kind and period). */
export interface FieldworkMessageLogTable {
  id: Generated<number>;
  kind: "weekly" | "behind";
  user_id: number;
  period: string;
  sent_at: Timestamp;
  delivered: boolean;
}

/** DTSEN hand-over package (issue 17): a village's verified proposals for one update window. */
export interface DtsenPackagesTable {
  id: Generated<number>;
  village_code: string;
  /** Update window id, "2027-01". */
  period: string;
  status: "terbuka" | "diserahkan";
  created_by: number | null;
  created_at: Timestamp;
  downloaded_at: Timestamp | null;
  handed_over_by: number | null;
  handed_over_at: Timestamp | null;
}

/** A DTSEN proposal prepared in the field (kinds, reasons and statuses: src/domain/dtsen.ts). */
export interface DtsenProposalsTable {
  id: Generated<number>;
  household_id: number;
  kind: string;
  reason: string;
  note: string;
  status: string;
  status_reason: string | null;
  created_by: number | null;
  consent_at: Timestamp | null;
  consent_version: string | null;
  consent_by: number | null;
  latitude: number | null;
  longitude: number | null;
  location_at: Timestamp | null;
  submitted_at: Timestamp | null;
  verified_at: Timestamp | null;
  verified_by: number | null;
  package_id: number | null;
  outcome_at: Timestamp | null;
  outcome_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** An evidence photo; the KK photo only as ciphertext (`content_enc`), never as a Telegram file id. */
export interface DtsenEvidenceTable {
  id: Generated<number>;
  proposal_id: number;
  item: string;
  file_id: string | null;
  file_unique_id: string | null;
  content_enc: string | null;
  mime: string | null;
  media: "photo" | "document";
  bytes: number | null;
  added_by: number | null;
  added_at: Timestamp;
}

export interface DtsenProposalHistoryTable {
  id: Generated<number>;
  proposal_id: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  changed_by: number | null;
  changed_at: Timestamp;
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
  volunteer_applications: VolunteerApplicationsTable;
  invites: InvitesTable;
  invite_uses: InviteUsesTable;
  status_attempts: StatusAttemptsTable;
  status_sessions: StatusSessionsTable;
  status_subscriptions: StatusSubscriptionsTable;
  data_requests: DataRequestsTable;
  visits: VisitsTable;
  visit_media: VisitMediaTable;
  alerts: AlertsTable;
  alert_groups: AlertGroupsTable;
  reminder_log: ReminderLogTable;
  broadcasts: BroadcastsTable;
  broadcast_deliveries: BroadcastDeliveriesTable;
  broadcast_sender_lease: BroadcastSenderLeaseTable;
  household_pins: HouseholdPinsTable;
  dashboard_sessions: DashboardSessionsTable;
  dashboard_login_links: DashboardLoginLinksTable;
  dashboard_init_data: DashboardInitDataTable;
  household_last_visit: HouseholdLastVisitTable;
  visit_daily: VisitDailyTable;
  village_household_counts: VillageHouseholdCountsTable;
  monthly_target: MonthlyTargetTable;
  plan_postponement: PlanPostponementTable;
  fieldwork_message_log: FieldworkMessageLogTable;
  cekaman_events: CekamanEventsTable;
  cekaman_households: CekamanHouseholdsTable;
  cekaman_answers: CekamanAnswersTable;
  cekaman_help: CekamanHelpTable;
  cekaman_tally_messages: CekamanTallyMessagesTable;
  cekaman_priority_flags: CekamanPriorityFlagsTable;
  dtsen_packages: DtsenPackagesTable;
  dtsen_proposals: DtsenProposalsTable;
  dtsen_evidence: DtsenEvidenceTable;
  dtsen_proposal_history: DtsenProposalHistoryTable;
}

export type Household = Selectable<HouseholdsTable>;

/** The root database or a transaction: repositories accept either. */
export type Db = Kysely<Database> | Transaction<Database>;

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
