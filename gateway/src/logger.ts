import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fields that can carry a secret or a guardian's contact, censored wherever a component puts them
 * (issue 16: no secret and no personal data in logs). The MQTT secret lives in `mqtt.password`
 * and a rotated one arrives as a `secret` command's `password`.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'phone',
  '*.phone',
];

/** The gateway's root pino logger (JSON) at `level`, with the secret fields redacted. */
export function createGatewayLogger(level: string, destination?: DestinationStream): Logger {
  const options = { name: 'gateway', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
