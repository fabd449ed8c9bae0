import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

export type { Logger };

/** The root pino logger (JSON); components take `logger.child({ component })`. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { app: 'rfid-server', ...base },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}

/** Secrets and personal data that must never reach a log line, wherever a component puts them. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'mqttPassword',
  '*.mqttPassword',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'phone',
  '*.phone',
  'email',
  '*.email',
  'zaloId',
  '*.zaloId',
];

/** Nest's own messages through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pinoLog: Logger) {}
  log(message: unknown, context?: string): void {
    this.pinoLog.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.pinoLog.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.pinoLog.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.pinoLog.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.pinoLog.trace({ context }, String(message));
  }
}

/** Nest injection token of the root pino Logger. */
export const LOGGER = Symbol('LOGGER');
