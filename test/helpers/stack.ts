// A whole Warden on loopback for tests: the emulator (Google + dev OIDC
// issuer), credentials it wrote, a config file, and the gateway in-process.
import type { Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { demoConfig } from '../../src/cli/demo.js';
import { startEmulatorWithCredentials, startGatewayFromYaml } from './gateway.js';
import { makeTempDir, removeDir } from './tmp.js';

export interface Stack {
  emu: Emulator;
  gw: RunningGateway;
  dir: string;
  configFile: string;
  /** Access log lines the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  token(sub: string, groups: string[]): Promise<string>;
  close(): Promise<void>;
}

/** `config` gets the emulator's URL and issuer; by default the demo's config. */
export async function startStack(config?: (o: { emulatorUrl: string; issuer: string; dir: string }) => string): Promise<Stack> {
  const dir = makeTempDir('warden-test-');
  let emu: Emulator | undefined;
  try {
    emu = await startEmulatorWithCredentials(dir);
    const text = config
      ? config({ emulatorUrl: emu.url, issuer: emu.issuer, dir })
      : demoConfig({ port: 0, adminPort: 0, emulatorUrl: emu.url, issuer: emu.issuer, audience: 'warden' });
    const { gw, configFile, logs } = await startGatewayFromYaml(text, { dir });
    const started = emu;
    return {
      emu: started,
      gw,
      dir,
      configFile,
      logs,
      token: (sub, groups) => started.mintIdToken({ sub, groups, aud: 'warden' }),
      async close() {
        await gw.close();
        await started.close();
        removeDir(dir);
      },
    };
  } catch (e) {
    // A gateway that failed to start must not leave the emulator listening: the test process would never exit.
    await emu?.close();
    removeDir(dir);
    throw e;
  }
}

/** Config documents that verify the emulator issuer's tokens (audience `warden`) and let every signed-in caller through: for tests whose subject is not policy. */
export function signedInCallers(issuer: string): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: '${issuer}', audiences: [warden]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: signed-in}
spec:
  action: ALLOW
  rules: [{from: [{source: {requestPrincipals: ['*']}}]}]
`;
}
