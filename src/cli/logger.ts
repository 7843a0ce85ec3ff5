/**
 * Logs through pino: readable lines in a terminal (pino-pretty), JSON lines otherwise.
 */
import pino from 'pino';
import type { Logger } from '../core/log.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/** `fd` 1 = stdout (the servent), 2 = stderr (commands whose stdout is their result). */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  const tty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  if (tty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: fd, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level }, pino.destination({ fd, sync: fd === 2 }));
}
