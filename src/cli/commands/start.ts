import type { CommandModule } from 'yargs';

// Placeholder until the command lands; replaced by its real implementation.
export const startCommand: CommandModule = {
  command: 'start',
  describe: '(not available yet)',
  handler: () => {
    process.stderr.write('servent start: not available in this build\n');
    process.exitCode = 2;
  },
};
