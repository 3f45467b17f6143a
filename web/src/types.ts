/** Shapes of the dashboard API's answers (see src/web/server.ts and src/web/data/*). */

export interface Me {
  user: { id: number; name: string | null; role: string; locale: "id" | "en" };
  scope: { code: string | null; path: { code: string; name: string }[] };
  zone: { tz: string; label: string };
  session: { via: string };
  now: string;
  config: { tileUrl: string; tileAttribution: string; overdueDays: number; inactiveDays: number; maxReason: number; maxNote: number };
}

export interface Summary {
  zone: { tz: string; label: string };
  path: { code: string; name: string }[];
  level: number | null;
  figures: {
    today: string;
    weekStart: string;
    monthStart: string;
    households: number;
    byStatus: Record<string, number>;
    byPpks: { code: string; n: number }[];
    registrations: { week: number; month: number };
    visits: { week: number; month: number };
    overdue: number;
    volunteers: { active: number; active30: number; pending: number };
    alerts: { open: number; unresolved: number };
    weekly: { weekStart: string; count: number }[];
  };
  breakdown: {
    code: string;
    name: string;
    households: number;
    overdue: number;
    visitsMonth: number;
    registrationsMonth: number;
    openAlerts: number;
    volunteers: number;
  }[];
}

export interface TargetRow {
  id: number;
  name: string | null;
  areaCode: string | null;
  village: string | null;
  households: number;
  overdue: number;
  visits: number;
  registrations: number;
  target: { visits: number; registrations: number | null; source: "volunteer" | "area" | "default" };
  expectedVisits: number;
  lastActiveAt: string | null;
  lastVisitAt: string | null;
  belowTarget: boolean;
  inactive: boolean;
}

export interface Targets {
  month: string;
  months: string[];
  current: boolean;
  dayOfMonth: number;
  daysInMonth: number;
  inactiveDays: number;
  rows: TargetRow[];
  flagged: number;
}

export interface HouseholdRow {
  id: number;
  refCode: string;
  headName: string;
  status: string;
  ppks: string[];
  desil: number | null;
  villageCode: string;
  village: string;
  volunteerId: number | null;
  volunteer: string | null;
  lastVisitAt: string | null;
  lastUrgency: string | null;
  nextVisitDate: string | null;
  overdue: boolean;
  anonymized: boolean;
}

export interface HouseholdPage {
  total: number;
  page: number;
  size: number;
  sort: string;
  dir: "asc" | "desc";
  rows: HouseholdRow[];
}

export interface Card {
  id: number;
  refCode: string;
  headName: string;
  headSex: string | null;
  headBirthDate: string | null;
  nik: string | null;
  kk: string | null;
  hasIdentity: boolean;
  status: string;
  statusReason: string | null;
  statusChangedAt: string | null;
  villageCode: string;
  village: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  location: { lat: number; lon: number } | null;
  memberCount: number;
  ppks: string[];
  housing: string | null;
  programmes: string[];
  programmeOther: string | null;
  needs: string[];
  needsOther: string | null;
  desil: number | null;
  volunteer: { id: number; name: string | null; status: string } | null;
  registeredAt: string | null;
  lastVisitAt: string | null;
  lastUrgency: string | null;
  nextVisitDate: string | null;
  overdue: boolean;
  anonymized: boolean;
  members: { id: number; name: string; relationship: string; sex: string | null; birthDate: string | null; nik: string | null }[];
  photos: number[];
  visits: {
    id: number;
    visitedOn: string;
    writtenAt: string | null;
    purpose: string;
    intervention: string;
    conditions: string[];
    conditionNote: string | null;
    helpGiven: string | null;
    referral: string | null;
    referralNote: string | null;
    followUp: boolean;
    nextVisitDate: string | null;
    urgency: string;
    hasLocation: boolean;
    volunteer: string | null;
    media: { id: number; kind: "photo" | "voice" }[];
  }[];
  visitCount: number;
  history: { id: number; from: string | null; to: string; reason: string | null; at: string | null; by: string | null }[];
  actions: { statuses: { to: string; reasonRequired: boolean }[]; reassign: boolean; reveal: boolean };
}

export interface AlertRow {
  id: number;
  status: "open" | "acknowledged";
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  escalated: boolean;
  householdId: number;
  refCode: string;
  headName: string;
  village: string;
  visitedOn: string;
  conditions: string[];
  referral: string | null;
  volunteer: string | null;
}

/** The map's points: five integers each (id delta, lat × scale, lon × scale, status, urgency). */
export interface MapData {
  n: number;
  scale: number;
  statuses: string[];
  urgencies: string[];
  points: number[];
}
