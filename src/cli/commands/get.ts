import type { CommandModule } from 'yargs';

// Placeholder until the command lands; replaced by its real implementation.
export const getCommand: CommandModule = {
  command: 'get',
  describe: '(not available yet)',
  handler: () => {
    process.stderr.write('servent get: not available in this build\n');
    process.exitCode = 2;
  },
};
