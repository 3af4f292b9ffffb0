import { parseArgs } from 'node:util';
import { formatProblem, loadConfigFile } from '../config/load.js';
import { compileConfig } from '../gateway.js';

const USAGE = 'usage: warden config check -c FILE\n\nReports every problem in the config with its file, line and a hint; exit 1 if there is any.';

/** `warden config <subcommand>`: only `check` so far. */
export async function config(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') return configCheck(rest);
  if (sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return 0;
  }
  console.error(sub === undefined ? USAGE : `warden config: unknown subcommand "${sub}"\n\n${USAGE}`);
  return 2;
}

export async function configCheck(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.config) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfigFile(values.config);
  // Compile even after structural problems, so one run reports as much as it can.
  const parts = await compileConfig(config);
  if (config.problems.length) {
    for (const p of config.problems) console.error(formatProblem(p));
    console.error(`\n${config.problems.length} problem${config.problems.length === 1 ? '' : 's'} in ${values.config}`);
    return 1;
  }
  console.log(
    `${values.config}: OK — ${parts.routes.length} route(s), ${config.gateway.value.credentials.length} credential(s), ` +
      `${config.requestAuthentications.length} RequestAuthentication(s), ${config.authorizationPolicies.length} AuthorizationPolicy(ies)`,
  );
  return 0;
}
