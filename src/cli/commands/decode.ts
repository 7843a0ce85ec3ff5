import type { CommandModule } from 'yargs';

// Placeholder until the command lands; replaced by its real implementation.
export const decodeCommand: CommandModule = {
  command: 'decode',
  describe: '(not available yet)',
  handler: () => {
    process.stderr.write('servent decode: not available in this build\n');
    process.exitCode = 2;
  },
};
