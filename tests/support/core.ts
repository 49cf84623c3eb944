import { pino } from 'pino';
import { createCore, type Core, type CoreOptions } from '../../main/core';
import { generateDatabaseKey } from '../../main/services/keys/database-key';
import { fixedKeyStore } from '../../main/services/keys/key-store';

/**
 * The real core as serve mode builds it, in-process: a fresh database key, a silent
 * logger and the given folders; anything else (an audit sink, a worker spawner) on top.
 */
export function serveCore(dataDir: string, workspaces: string[], extra: Partial<CoreOptions> = {}): Promise<Core> {
  return createCore({
    dataDir,
    workspaces,
    logger: pino({ level: 'silent' }),
    transport: 'serve',
    version: 'test',
    keyStore: fixedKeyStore(generateDatabaseKey(), 'env'),
    ...extra,
  });
}
