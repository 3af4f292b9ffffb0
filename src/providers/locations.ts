// Vertex AI locations and where they process data. A location is a region
// (`europe-west4`), a multi-region (`us`, `eu`: served by
// `aiplatform.{us,eu}.rep.googleapis.com`) or `global` (`aiplatform.googleapis.com`,
// which Google may serve from anywhere). Policy reads two facts of it: its class
// (regional, multi-region, global) and its jurisdiction — the country or bloc
// whose law the data sits under (`eu`, `us`, `uk`, `ch`, `jp`, …; `global` for
// the global endpoint). A region missing from the table has no jurisdiction
// Warden can establish: a policy that depends on one refuses it (facts.ts).

export type LocationClass = 'regional' | 'multi-region' | 'global';

/** Google Cloud regions Vertex AI serves, by jurisdiction (ISO 3166 alpha-2 in lower case, `eu` for the European Union). */
const REGIONS: Readonly<Record<string, readonly string[]>> = {
  us: ['us-central1', 'us-east1', 'us-east4', 'us-east5', 'us-south1', 'us-west1', 'us-west2', 'us-west3', 'us-west4'],
  ca: ['northamerica-northeast1', 'northamerica-northeast2'],
  mx: ['northamerica-south1'],
  br: ['southamerica-east1'],
  cl: ['southamerica-west1'],
  eu: [
    'europe-west1', 'europe-west3', 'europe-west4', 'europe-west8', 'europe-west9', 'europe-west10', 'europe-west12',
    'europe-north1', 'europe-north2', 'europe-central2', 'europe-southwest1',
  ],
  uk: ['europe-west2'],
  ch: ['europe-west6'],
  jp: ['asia-northeast1', 'asia-northeast2'],
  kr: ['asia-northeast3'],
  tw: ['asia-east1'],
  hk: ['asia-east2'],
  sg: ['asia-southeast1'],
  id: ['asia-southeast2'],
  in: ['asia-south1', 'asia-south2'],
  au: ['australia-southeast1', 'australia-southeast2'],
  il: ['me-west1'],
  qa: ['me-central1'],
  sa: ['me-central2'],
  za: ['africa-south1'],
};

const MULTI_REGIONS: ReadonlySet<string> = new Set(['us', 'eu']);

const JURISDICTION: ReadonlyMap<string, string> = new Map([
  ...Object.entries(REGIONS).flatMap(([j, regions]) => regions.map((r) => [r, j] as const)),
  ['us', 'us'],
  ['eu', 'eu'],
  ['global', 'global'],
]);

/** A region's shape: `continent-direction` and a number (`us-central1`, `europe-west10`). */
const REGION = /^[a-z]+-[a-z]+\d{1,2}$/;

/** The class of a location name, or undefined for a name of no location's shape. */
export function locationClass(location: string | undefined): LocationClass | undefined {
  if (location === undefined) return undefined;
  if (location === 'global') return 'global';
  if (MULTI_REGIONS.has(location)) return 'multi-region';
  return REGION.test(location) ? 'regional' : undefined;
}

/** Where a location processes data (`eu`, `us`, `uk`, …, `global`), or undefined when Warden does not know. */
export function jurisdictionOf(location: string | undefined): string | undefined {
  return location === undefined ? undefined : JURISDICTION.get(location);
}

/**
 * The location a Vertex host name serves: `{region}-aiplatform.googleapis.com` → the region,
 * `aiplatform.{us,eu}.rep.googleapis.com` → the multi-region, `aiplatform.googleapis.com` →
 * `global`; undefined for any other host (a port is ignored).
 */
export function hostLocation(host: string): string | undefined {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (!h.endsWith('googleapis.com')) return undefined;
  if (h === 'aiplatform.googleapis.com') return 'global';
  const rep = /^aiplatform\.([a-z]+)\.rep\.googleapis\.com$/.exec(h);
  if (rep) return MULTI_REGIONS.has(rep[1]!) ? rep[1] : undefined;
  const regional = /^([a-z]+-[a-z]+\d{1,2})-aiplatform\.googleapis\.com$/.exec(h);
  return regional?.[1];
}

/** The Vertex host that serves `location` (the inverse of hostLocation). */
export function locationHost(location: string): string {
  if (location === 'global') return 'aiplatform.googleapis.com';
  if (MULTI_REGIONS.has(location)) return `aiplatform.${location}.rep.googleapis.com`;
  return `${location}-aiplatform.googleapis.com`;
}
