import type { Migration } from "kysely";
import * as m0001 from "./2026_11_28_0001_init.js";
import * as m0002 from "./2026_11_28_0002_regions.js";
import * as m0003 from "./2026_11_28_0003_jobs.js";
import * as m0004 from "./2026_11_28_0004_households.js";
import * as m0005 from "./2026_11_28_0005_notices.js";
import * as m0006 from "./2026_11_28_0006_onboarding.js";
import * as m0007 from "./2026_11_28_0007_visits.js";
import * as m0008 from "./2026_11_28_0008_beneficiary.js";
import * as m0009 from "./2026_11_28_0009_coordinator.js";
import * as m0109 from "./2026_12_01_0009_app_clock.js";
import * as m0110 from "./2026_12_01_0010_trust.js";
import * as m0113 from "./2026_12_01_0013_cekaman.js";
import * as m0114 from "./2026_12_01_0014_dtsen.js";
import * as m0112 from "./2026_12_01_0012_fieldwork.js";
import * as m0115 from "./2026_12_01_0015_dashboard.js";
import * as m0116 from "./2026_12_01_0016_field.js";

/**
 * Every migration, by name. Names sort in the order they run; never rename or remove one
 * that has shipped. A static registry works the same under tsx, vitest and a build.
 */
export const migrations: Record<string, Migration> = {
  "2026_11_28_0001_init": m0001,
  "2026_11_28_0002_regions": m0002,
  "2026_11_28_0003_jobs": m0003,
  "2026_11_28_0004_households": m0004,
  "2026_11_28_0005_notices": m0005,
  "2026_11_28_0006_onboarding": m0006,
  "2026_11_28_0007_visits": m0007,
  "2026_11_28_0008_beneficiary": m0008,
  "2026_11_28_0009_coordinator": m0009,
  "2026_12_01_0009_app_clock": m0109,
  "2026_12_01_0010_trust": m0110,
  "2026_12_01_0012_fieldwork": m0112,
  "2026_12_01_0013_cekaman": m0113,
  "2026_12_01_0014_dtsen": m0114,
  "2026_12_01_0015_dashboard": m0115,
  "2026_12_01_0016_field": m0116,
};
