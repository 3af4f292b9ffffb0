// Envoy's `x-forwarded-client-cert`: one element per proxy hop, separated by
// `,`; each element is `Key=Value` pairs separated by `;`. A value holding
// `,`, `;` or `=` is double-quoted, with `\"` inside. `Cert` and `Chain` are
// URL-encoded PEM; `URI` and `DNS` may repeat (one per SAN).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert

export interface XfccElement {
  by: string[];
  hash?: string;
  cert?: string;
  chain?: string;
  subject?: string;
  uri: string[];
  dns: string[];
}

export class XfccSyntaxError extends Error {}

export function parseXfcc(header: string): XfccElement[] {
  const elements: XfccElement[] = [];
  let cur = emptyElement();
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    const eq = header.indexOf('=', i);
    if (eq < 0) throw new XfccSyntaxError(`expected Key=Value at ${i}`);
    const key = header.slice(i, eq).trim();
    if (!key || /[;,"]/.test(key)) throw new XfccSyntaxError(`bad key at ${i}`);
    i = eq + 1;
    let value = '';
    if (header[i] === '"') {
      i++;
      while (i < n && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < n) {
          value += header[i + 1];
          i += 2;
        } else value += header[i++];
      }
      if (i >= n) throw new XfccSyntaxError('unterminated quoted value');
      i++;
    } else {
      const start = i;
      while (i < n && header[i] !== ';' && header[i] !== ',') i++;
      value = header.slice(start, i).trim();
      if (value.includes('"')) throw new XfccSyntaxError(`stray quote in value of ${key}`);
    }
    assign(cur, key, value);
    skipSpace();
    if (i < n) {
      if (header[i] === ',') {
        elements.push(cur);
        cur = emptyElement();
      } else if (header[i] !== ';') throw new XfccSyntaxError(`expected ";" or "," at ${i}`);
      i++;
    }
  }
  elements.push(cur);
  return elements;
}

function emptyElement(): XfccElement {
  return { by: [], uri: [], dns: [] };
}

function assign(e: XfccElement, key: string, value: string): void {
  switch (key.toLowerCase()) {
    case 'by':
      e.by.push(value);
      break;
    case 'hash':
      e.hash = value;
      break;
    case 'cert':
      e.cert = urlDecoded(value, key);
      break;
    case 'chain':
      e.chain = urlDecoded(value, key);
      break;
    case 'subject':
      e.subject = value;
      break;
    case 'uri':
      e.uri.push(value);
      break;
    case 'dns':
      e.dns.push(value);
      break;
    // Unknown keys are Envoy's to add; they carry nothing Warden believes.
  }
}

function urlDecoded(value: string, key: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new XfccSyntaxError(`${key} is not URL-encoded`);
  }
}
