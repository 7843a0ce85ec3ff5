import type { CommandModule } from 'yargs';

// Placeholder until the command lands; replaced by its real implementation.
export const simCommand: CommandModule = {
  command: 'sim',
  describe: '(not available yet)',
  handler: () => {
    process.stderr.write('servent sim: not available in this build\n');
    process.exitCode = 2;
  },
};
