/**
 * Fixed vocabularies of the domain: PPKS categories, programmes,
 * intervention types, visit purposes, urgency, household statuses, housing
 * condition, relationship to the head of household and main needs.
 *
 * Codes are stable snake_case identifiers stored in the database and used as
 * i18n keys; never rename one. Display labels live in the locale files.
 *
 * See docs/domain.md sections (b), (c) and (g).
 *
 * @module
 */

/**
 * The 26 PPKS (Pemerlu Pelayanan Kesejahteraan Sosial, formerly PMKS)
 * categories, in the order of Permensos 08/2012 and Dinsos Jabar, with the
 * official Indonesian name and the abbreviation in common Dinsos use (null
 * where none is customary). RTLH is deliberately not here: it is a household
 * condition (see {@link HOUSING_CONDITIONS}), not a PPKS category.
 */
export const PPKS = [
  { code: "anak_balita_terlantar", abbreviation: "ABT", officialName: "Anak Balita Terlantar" },
  { code: "anak_terlantar", abbreviation: "AT", officialName: "Anak Terlantar" },
  {
    code: "anak_berhadapan_dengan_hukum",
    abbreviation: "ABH",
    officialName: "Anak yang Berhadapan dengan Hukum",
  },
  { code: "anak_jalanan", abbreviation: "AJ", officialName: "Anak Jalanan" },
  {
    code: "anak_dengan_kedisabilitasan",
    abbreviation: "ADK",
    officialName: "Anak dengan Kedisabilitasan",
  },
  {
    code: "anak_korban_tindak_kekerasan",
    abbreviation: "AKTK",
    officialName: "Anak yang Menjadi Korban Tindak Kekerasan atau Diperlakukan Salah",
  },
  {
    code: "anak_memerlukan_perlindungan_khusus",
    abbreviation: "AMPK",
    officialName: "Anak yang Memerlukan Perlindungan Khusus",
  },
  { code: "lanjut_usia_terlantar", abbreviation: "LUT", officialName: "Lanjut Usia Terlantar" },
  { code: "penyandang_disabilitas", abbreviation: "PD", officialName: "Penyandang Disabilitas" },
  { code: "tuna_susila", abbreviation: "TS", officialName: "Tuna Susila" },
  { code: "gelandangan", abbreviation: null, officialName: "Gelandangan" },
  { code: "pengemis", abbreviation: null, officialName: "Pengemis" },
  { code: "pemulung", abbreviation: null, officialName: "Pemulung" },
  { code: "kelompok_minoritas", abbreviation: null, officialName: "Kelompok Minoritas" },
  {
    code: "bekas_warga_binaan_lapas",
    abbreviation: "BWBLP",
    officialName: "Bekas Warga Binaan Lembaga Pemasyarakatan",
  },
  { code: "orang_dengan_hiv_aids", abbreviation: "ODHA", officialName: "Orang dengan HIV/AIDS" },
  {
    code: "korban_penyalahgunaan_napza",
    abbreviation: null,
    officialName: "Korban Penyalahgunaan NAPZA",
  },
  { code: "korban_trafficking", abbreviation: null, officialName: "Korban Trafficking" },
  { code: "korban_tindak_kekerasan", abbreviation: "KTK", officialName: "Korban Tindak Kekerasan" },
  {
    code: "pekerja_migran_bermasalah_sosial",
    abbreviation: "PMBS",
    officialName: "Pekerja Migran Bermasalah Sosial",
  },
  { code: "korban_bencana_alam", abbreviation: "KBA", officialName: "Korban Bencana Alam" },
  { code: "korban_bencana_sosial", abbreviation: "KBS", officialName: "Korban Bencana Sosial" },
  {
    code: "perempuan_rawan_sosial_ekonomi",
    abbreviation: "PRSE",
    officialName: "Perempuan Rawan Sosial Ekonomi",
  },
  { code: "fakir_miskin", abbreviation: "FM", officialName: "Fakir Miskin" },
  {
    code: "keluarga_bermasalah_sosial_psikologis",
    abbreviation: "KBSP",
    officialName: "Keluarga Bermasalah Sosial Psikologis",
  },
  { code: "komunitas_adat_terpencil", abbreviation: "KAT", officialName: "Komunitas Adat Terpencil" },
] as const;

/** One PPKS category entry of {@link PPKS}. */
export type PpksCategory = (typeof PPKS)[number];

/** Code of a PPKS category, e.g. `"anak_balita_terlantar"`. */
export type PpksCode = PpksCategory["code"];

/** The PPKS codes in official order. */
export const PPKS_CODES: readonly PpksCode[] = PPKS.map((p) => p.code);

/**
 * Social-assistance programmes a household may receive: PKH, BPNT (Sembako),
 * PBI-JK (subsidised health insurance), BLT Dana Desa, or another one.
 * "None" is not a code: callers store an empty list.
 */
export const PROGRAMMES = ["pkh", "bpnt", "pbi_jk", "blt_dd", "lainnya"] as const;

/** A code of {@link PROGRAMMES}. */
export type ProgrammeCode = (typeof PROGRAMMES)[number];

/** The four intervention types (functions of social welfare). */
export const INTERVENTION_TYPES = ["preventif", "kuratif", "rehabilitatif", "pengembangan"] as const;

/** A code of {@link INTERVENTION_TYPES}. */
export type InterventionType = (typeof INTERVENTION_TYPES)[number];

/** Purposes of a home visit. */
export const VISIT_PURPOSES = [
  "asesmen",
  "monitoring",
  "pengantaran_bantuan",
  "rujukan",
  "terminasi",
] as const;

/** A code of {@link VISIT_PURPOSES}. */
export type VisitPurpose = (typeof VISIT_PURPOSES)[number];

/** Urgency of a case or report, from least to most urgent. */
export const URGENCY_LEVELS = ["biasa", "perhatian", "darurat"] as const;

/** A code of {@link URGENCY_LEVELS}. */
export type Urgency = (typeof URGENCY_LEVELS)[number];

/**
 * Household statuses, in the order of the normal process. Transitions are
 * governed by `household-status.ts`.
 */
export const HOUSEHOLD_STATUSES = [
  "terdaftar",
  "diverifikasi",
  "diusulkan",
  "menerima_bantuan",
  "selesai",
  "ditolak",
] as const;

/** A code of {@link HOUSEHOLD_STATUSES}. */
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];

/** Housing condition: habitable, or not habitable (RTLH). */
export const HOUSING_CONDITIONS = ["layak", "tidak_layak"] as const;

/** A code of {@link HOUSING_CONDITIONS}. */
export type HousingCondition = (typeof HOUSING_CONDITIONS)[number];

/**
 * Relationship of a household member to the Kepala Keluarga, in KK wording.
 * The head itself is not a relationship; it is marked separately.
 */
export const RELATIONSHIPS = [
  "suami",
  "istri",
  "anak",
  "menantu",
  "cucu",
  "orang_tua",
  "mertua",
  "famili_lain",
  "lainnya",
] as const;

/** A code of {@link RELATIONSHIPS}. */
export type Relationship = (typeof RELATIONSHIPS)[number];

/** Main needs of a household, as recorded in an assessment. */
export const MAIN_NEEDS = [
  "pangan",
  "kesehatan",
  "pendidikan",
  "perumahan",
  "air_bersih_sanitasi",
  "pekerjaan_modal_usaha",
  "dokumen_kependudukan",
  "disabilitas_alat_bantu",
  "pendampingan_psikososial",
  "lainnya",
] as const;

/** A code of {@link MAIN_NEEDS}. */
export type MainNeed = (typeof MAIN_NEEDS)[number];

function guard<T extends string>(values: readonly T[]): (value: unknown) => value is T {
  const set: ReadonlySet<unknown> = new Set<unknown>(values);
  return (value: unknown): value is T => set.has(value);
}

/** Whether `value` is a {@link PpksCode}. */
export const isPpksCode: (value: unknown) => value is PpksCode = guard(PPKS_CODES);

/** Whether `value` is a {@link ProgrammeCode}. */
export const isProgrammeCode: (value: unknown) => value is ProgrammeCode = guard(PROGRAMMES);

/** Whether `value` is an {@link InterventionType}. */
export const isInterventionType: (value: unknown) => value is InterventionType =
  guard(INTERVENTION_TYPES);

/** Whether `value` is a {@link VisitPurpose}. */
export const isVisitPurpose: (value: unknown) => value is VisitPurpose = guard(VISIT_PURPOSES);

/** Whether `value` is an {@link Urgency}. */
export const isUrgency: (value: unknown) => value is Urgency = guard(URGENCY_LEVELS);

/** Whether `value` is a {@link HouseholdStatus}. */
export const isHouseholdStatus: (value: unknown) => value is HouseholdStatus =
  guard(HOUSEHOLD_STATUSES);

/** Whether `value` is a {@link HousingCondition}. */
export const isHousingCondition: (value: unknown) => value is HousingCondition =
  guard(HOUSING_CONDITIONS);

/** Whether `value` is a {@link Relationship}. */
export const isRelationship: (value: unknown) => value is Relationship = guard(RELATIONSHIPS);

/** Whether `value` is a {@link MainNeed}. */
export const isMainNeed: (value: unknown) => value is MainNeed = guard(MAIN_NEEDS);

/**
 * Looks up a PPKS category by code.
 *
 * @returns the entry, or undefined for an unknown code.
 */
export function findPpks(code: string): PpksCategory | undefined {
  return PPKS.find((p) => p.code === code);
}
