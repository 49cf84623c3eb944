import { pino, type DestinationStream, type Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they sit in the object logged. */
export const redactedPaths = [
  'token',
  'key',
  'dbKey',
  'passphrase',
  'password',
  'content',
  'data',
  '*.token',
  '*.key',
  '*.dbKey',
  '*.passphrase',
  '*.password',
  '*.content',
  '*.data',
];

export function createLogger(destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level: process.env.LOCALBRAIN_LOG_LEVEL ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}
