// `warden <command>`: the command line. Each command lives in its own module
// and returns an exit code; this file only dispatches. A command's module is
// loaded when it runs: `start` does not carry the emulator, the manifests
// renderer or the audit reader in its memory.

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

run 'warden <command> --help' for a command's options`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start':
        return await (await import('./start.js')).start(rest);
      case 'demo':
        return await (await import('./demo.js')).demo(rest);
      case 'token':
        return await (await import('./token.js')).token(rest);
      case 'config':
        return await (await import('./config-check.js')).config(rest);
      case 'explain':
        return await (await import('./explain.js')).explain(rest);
      case 'istio':
        return await (await import('./istio.js')).istio(rest);
      case 'audit':
        return await (await import('./audit.js')).audit(rest);
      case 'emulator':
        return await (await import('./emulator.js')).emulator(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`warden ${cmd}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  console.error(`warden: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
  return 2;
}
