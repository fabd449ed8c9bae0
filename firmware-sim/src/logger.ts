import pino, { type Logger } from 'pino';

let fallback: Logger | undefined;

/** The logger used when none is given: warnings and errors, JSON on stderr. */
export function defaultLogger(): Logger {
  fallback ??= pino({ name: 'firmware-sim', level: 'warn' }, pino.destination({ dest: 2, sync: true }));
  return fallback;
}
