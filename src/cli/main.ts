/**
 * The `servent` command line. One file per command under src/cli/commands/; this file
 * only wires them into yargs.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('servent')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 80));
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

await main(hideBin(process.argv));
