import { parseArgs } from 'node:util';
import { endpointLines } from '../emulator/endpoints.js';
import { startEmulator } from '../emulator/index.js';
import { catchSignals } from './signals.js';

export async function emulator(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      'write-credentials': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    const url = `http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${values.port}`;
    console.log(`usage: warden emulator [--port N] [--host H] [--write-credentials DIR]

A local stand-in for Google: Vertex AI REST (and its OpenAI-compatible
endpoint), a plain OpenAI-compatible endpoint, the OAuth2 token endpoint, STS,
IAM Credentials, the GCE metadata server and a dev OIDC issuer. Its Vertex
routes accept only access tokens it minted itself.
--write-credentials DIR writes service-account.json, external-account.json and
subject-token.txt for this emulator into DIR.

Endpoints, at ${url} (--host and --port change it; port 0 picks one):
${endpointLines(url).map((l) => `  ${l}`).join('\n')}`);
    return 0;
  }
  const signals = catchSignals();
  const emu = await startEmulator({ host: values.host, port: Number(values.port) });
  console.log(`emulator listening on ${emu.url}\n${endpointLines(emu.url).map((l) => `  ${l}`).join('\n')}`);
  if (values['write-credentials']) {
    const files = await emu.writeCredentials(values['write-credentials']);
    console.log(`  wrote ${files.serviceAccount}\n  wrote ${files.externalAccount}\n  wrote ${files.subjectToken}`);
  }
  await signals.stopped;
  await emu.close();
  signals.release();
  return 0;
}
