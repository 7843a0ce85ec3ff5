/**
 * The `servent` command line. One file per command under src/cli/commands/; this file
 * only wires them into yargs, with the data directory's config file as defaults.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ServentError } from '../core/errors.js';
import { commands } from './commands/index.js';
import { dataDirFromArgv, loadConfigFile } from './options.js';

export async function main(argv: string[]): Promise<void> {
  let fileConfig: Record<string, unknown> = {};
  try {
    fileConfig = loadConfigFile(dataDirFromArgv(argv));
  } catch (e) {
    process.stderr.write(`servent: ${(e as Error).message}\n`);
    process.exit(2);
  }
  let cli = yargs(argv)
    .scriptName('servent')
    .usage('$0 <command> [options]')
    .config(fileConfig)
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .fail((msg, err) => {
      if (err instanceof ServentError) {
        process.stderr.write(`servent: ${err.message} [${err.code}]\n`);
        process.exit(2);
      }
      if (err !== undefined && err !== null) throw err;
      process.stderr.write(`servent: ${msg}\n(see servent --help)\n`);
      process.exit(2);
    })
    .wrap(Math.min(110, process.stdout.columns || 80));
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

await main(hideBin(process.argv));
