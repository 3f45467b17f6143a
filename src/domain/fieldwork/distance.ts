/**
 * Distances between GPS points, for visit plausibility and the walking order of the day
 * plan. Pure functions.
 *
 * @module
 */

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;

const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * Great-circle distance in metres (haversine). Accurate to well under a metre at the
 * distances that matter here (a house, a village); Indonesia spans the equator, where the
 * spherical model is at its best.
 */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A point with usable coordinates (both present, finite, in range, not the 0,0 "null island"). */
export function asPoint(lat: number | null | undefined, lon: number | null | undefined): GeoPoint | null {
  if (lat === null || lat === undefined || lon === null || lon === undefined) return null;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) return null;
  return { latitude: lat, longitude: lon };
}

/**
 * A distance as people read it: "20 m", "350 m", "2,1 km", "15 km" (Indonesian decimal
 * comma; English uses a point).
 */
export function formatDistance(meters: number, locale: string): string {
  const raw = Math.max(0, Math.round(meters));
  const m = raw < 100 ? raw : Math.round(raw / 10) * 10;
  if (m < 1000) return `${m} m`;
  const km = m / 1000;
  const text = km < 10 ? km.toFixed(1) : String(Math.round(km));
  return `${locale === "en" ? text : text.replace(".", ",")} km`;
}
