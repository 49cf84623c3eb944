import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppLogging, logLevelFromEnv } from '../../../main/logging';
import { EncryptedLogFile, logFiles, readEncryptedLog } from '../../../main/services/storage/encrypted-log';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

function consoleSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, lines };
}

describe('diagnostic logging', () => {
  it('writes each line sealed: the file holds no plaintext and reads back with its key', () => {
    const key = randomBytes(32);
    const console = consoleSink();
    const { logger, destination } = createAppLogging(console.stream);
    const detach = destination.attachFile({ dir: dir.path, key });
    logger.info({ path: '/home/someone/CANARY-PATH' }, 'opened CANARY-MESSAGE');
    detach();
    logger.info('after detach');
    const [file] = logFiles(dir.path);
    const raw = readFileSync(file ?? '', 'utf8');
    expect(raw).not.toContain('CANARY');
    const lines = readEncryptedLog(file ?? '', key);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ msg: 'opened CANARY-MESSAGE', path: '/home/someone/CANARY-PATH' });
    expect(console.lines).toHaveLength(2);
    expect(() => readEncryptedLog(file ?? '', randomBytes(32))).toThrow();
  });

  it('redacts keys, tokens, passphrases, file contents and terminal input, nested too', () => {
    const console = consoleSink();
    const { logger } = createAppLogging(console.stream);
    logger.warn(
      {
        token: 'T0KEN',
        key: 'K3Y',
        request: { data: { content: 'FILE-CONTENT' }, passphrase: 'PASS' },
        details: { recoveryKey: 'RECOVERY', input: 'ls -la' },
      },
      'bad request',
    );
    const line = console.lines.join('');
    for (const secret of ['T0KEN', 'K3Y', 'FILE-CONTENT', 'PASS', 'RECOVERY', 'ls -la']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it.runIf(existsSync('/dev/full'))('keeps logging to the console when the disk is full', () => {
    const console = consoleSink();
    const { logger, destination } = createAppLogging(console.stream);
    // /dev/full accepts the open and fails every write with ENOSPC: a real full disk.
    symlinkSync('/dev/full', path.join(dir.path, 'localbrain.log'));
    destination.attachFile({ dir: dir.path, key: randomBytes(32) });
    expect(() => logger.info('after the disk filled')).not.toThrow();
    logger.info('still logging');
    const text = console.lines.join('');
    expect(text).toContain('log file write failed');
    expect(text).toContain('ENOSPC');
    expect(text).toContain('still logging');
  });

  it('rotates by size and keeps a fixed number of files', () => {
    const key = randomBytes(32);
    const file = new EncryptedLogFile({ dir: dir.path, key, maxFileBytes: 2_000, keepFiles: 3 });
    for (let index = 0; index < 200; index++) file.write(`{"line":${index}}\n`);
    file.close();
    expect(readdirSync(dir.path).sort()).toEqual(['localbrain.1.log', 'localbrain.2.log', 'localbrain.log']);
    const newest = readEncryptedLog(path.join(dir.path, 'localbrain.log'), key);
    expect(newest.at(-1)).toBe('{"line":199}');
  });

  it('takes its level from LOCALBRAIN_LOG_LEVEL and ignores a typo', () => {
    expect(logLevelFromEnv({ LOCALBRAIN_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(logLevelFromEnv({ LOCALBRAIN_LOG_LEVEL: 'WARN' })).toBe('warn');
    expect(logLevelFromEnv({ LOCALBRAIN_LOG_LEVEL: 'verbose' })).toBe('info');
    expect(logLevelFromEnv({})).toBe('info');
  });
});
