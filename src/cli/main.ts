// `warden <command>`: the command line. Each command lives in its own module,
// loaded only when it runs (`warden token` need not load the gateway), and
// returns an exit code; this file only dispatches.
import { buildInfo } from '../version.js';

const USAGE = `usage: warden <command> [options]

commands:
  start -c FILE            run the gateway from a config file
  demo                     run the emulator, a dev OIDC issuer and Warden with a demo policy
  token --sub S --group G  print a token the running demo accepts
  config check -c FILE     report every problem in a config file (exit 1 if any)
  explain -c FILE …        which policy allows or denies a described request, and why the others do not
  audit verify -c FILE     check the audit hash chains (exit 1 naming the first tampered record); also query, export
  emulator --port N        run the local Google stand-in (Vertex AI, OAuth2, STS, IAM, metadata, OIDC)
  istio render -c FILE     print the Kubernetes and Istio manifests for running FILE in a mesh

run 'warden <command> --help' for a command's options; 'warden --version' for the version`;

const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  start: async () => (await import('./start.js')).start,
  demo: async () => (await import('./demo.js')).demo,
  token: async () => (await import('./token.js')).token,
  config: async () => (await import('./config-check.js')).config,
  explain: async () => (await import('./explain.js')).explain,
  audit: async () => (await import('./audit.js')).audit,
  emulator: async () => (await import('./emulator.js')).emulator,
  istio: async () => (await import('./istio.js')).istio,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    const b = buildInfo();
    console.log(`warden ${b.version}${b.commit ? ` (${b.commit.slice(0, 12)})` : ''} node ${b.node}`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!load) {
    console.error(`warden: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  const run = await load();
  try {
    return await run(rest);
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`warden ${cmd}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}
