import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { EncryptedLogFile, type EncryptedLogOptions } from './services/storage/encrypted-log';

/**
 * Keys whose values never reach a log line: secrets, key material, file contents, terminal
 * input and command text. Listed at the top level and up to two levels down, where a
 * request's `data` or an error's `details` puts them.
 */
const sensitiveKeys = [
  'token',
  'key',
  'dbKey',
  'newKey',
  'recoveryKey',
  'passphrase',
  'password',
  'secret',
  'authorization',
  'cookie',
  'content',
  'contents',
  'data',
  'text',
  'input',
  'stdout',
  'stderr',
];
export const redactedPaths = sensitiveKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

const levels: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const defaultLevel: Level = 'info';

/** LOCALBRAIN_LOG_LEVEL when it names a pino level, else `info` (a typo must not stop the app). */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): Level | 'silent' {
  const wanted = env.LOCALBRAIN_LOG_LEVEL?.trim().toLowerCase();
  if (wanted === 'silent') return 'silent';
  return levels.find((level) => level === wanted) ?? defaultLevel;
}

export function createLogger(destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level: logLevelFromEnv(),
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}

/**
 * Every line goes to stderr; once the database is open and its log key known, also to the
 * encrypted, rotating file in the data dir. Before then (a wrong key, say) there is no key
 * to seal a file with, and stderr is the only place a line can go.
 */
export class AppLogDestination implements DestinationStream {
  readonly #console: DestinationStream;
  #file: EncryptedLogFile | undefined;

  constructor(consoleStream: DestinationStream = pino.destination({ fd: 2, sync: true })) {
    this.#console = consoleStream;
  }

  write(line: string): void {
    this.#console.write(line);
    if (!this.#file) return;
    try {
      this.#file.write(line);
    } catch (error) {
      // A full or vanished disk must not turn every log call into a thrown error: stop writing the file, say so once.
      this.#file = undefined;
      this.#console.write(
        `${JSON.stringify({ level: 50, time: Date.now(), msg: 'log file write failed; logging to stderr only', err: String(error) })}\n`,
      );
    }
  }

  /** Starts writing to the encrypted file; the returned function stops and closes it. */
  attachFile(options: EncryptedLogOptions): () => void {
    this.#file?.close();
    const file = new EncryptedLogFile(options);
    this.#file = file;
    return () => {
      if (this.#file === file) this.#file = undefined;
      file.close();
    };
  }
}

/** The app's logger and its destination, so the file can be attached after the database opens. */
export function createAppLogging(consoleStream?: DestinationStream): { logger: Logger; destination: AppLogDestination } {
  const destination = new AppLogDestination(consoleStream);
  return { logger: createLogger(destination), destination };
}
