import type { CommandModule } from 'yargs';
import { decodeCommand } from './decode.js';
import { getCommand } from './get.js';
import { searchCommand } from './search.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';

/** Every CLI command; each lives in its own file in this folder. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [
  startCommand,
  searchCommand,
  getCommand,
  decodeCommand,
  simCommand,
];
