// How values read in the console.

export function time(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { hour12: false });
}

export function ms(v: number | undefined): string {
  if (v === undefined) return '—';
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

export function num(v: number | undefined): string {
  return v === undefined ? '—' : v.toLocaleString();
}

/** The short form of a principal: the subject after the issuer. */
export function who(principal: string | undefined): string {
  if (!principal) return 'anonymous';
  const i = principal.lastIndexOf('/');
  return i < 0 ? principal : principal.slice(i + 1);
}

/** Hash-route parameters: `#/audit?requestId=…`. */
export function routeParams(): URLSearchParams {
  const h = location.hash;
  const q = h.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
}
