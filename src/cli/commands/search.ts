import type { CommandModule } from 'yargs';

// Placeholder until the command lands; replaced by its real implementation.
export const searchCommand: CommandModule = {
  command: 'search',
  describe: '(not available yet)',
  handler: () => {
    process.stderr.write('servent search: not available in this build\n');
    process.exitCode = 2;
  },
};
