import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { StorageOpenError } from '../storage/open-errors';
import { writeFileAtomically, writeFileAtomicallyAsync } from './atomic-write';
import { generateDatabaseKey, parseHexKey, type DatabaseKey } from './database-key';
import { fixedKeyStore, type KeyStore } from './key-store';

export const keyFileName = 'db.key';
export const keyEnvVar = 'LOCALBRAIN_DB_KEY';

function readKeyFile(file: string): DatabaseKey {
  const mode = statSync(file).mode & 0o777;
  // Like ssh with a private key: tighten a key file others could read rather than keep using it as is.
  if ((mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseHexKey(readFileSync(file, 'utf8'), file);
}

/**
 * Serve mode and tests: the key from LOCALBRAIN_DB_KEY (64 hex characters) when set,
 * otherwise from a 0600 file in the data dir, created with a random key only when neither
 * it nor the database exists yet (a database without its key file is an error, not a reset).
 */
export function serveKeyStore(dataDir: string, databaseFile: string, env: NodeJS.ProcessEnv = process.env): KeyStore {
  const fromEnv = env[keyEnvVar];
  if (fromEnv !== undefined && fromEnv !== '') return fixedKeyStore(parseHexKey(fromEnv, keyEnvVar), 'env');
  const keyFile = path.join(dataDir, keyFileName);
  const stagedFile = `${keyFile}.next`;
  const databaseExists = existsSync(databaseFile);
  for (const file of [keyFile, stagedFile]) {
    if (!databaseExists && existsSync(file)) {
      // A key file is written only with its database: without it the database was moved or deleted.
      throw new StorageOpenError('missing', databaseFile, `The database is gone but its key file ${file} shows it existed`);
    }
  }
  let current: DatabaseKey;
  if (existsSync(keyFile)) current = readKeyFile(keyFile);
  else if (databaseExists) {
    throw new StorageOpenError('wrong-key', databaseFile, `The database exists but its key file ${keyFile} is missing`);
  } else {
    current = generateDatabaseKey();
    writeFileAtomically(keyFile, `${current.toString('hex')}\n`);
  }
  const keys: DatabaseKey[] = [current];
  if (existsSync(stagedFile)) keys.push(readKeyFile(stagedFile));
  let staged: DatabaseKey | undefined;
  return {
    source: 'file',
    canRekey: true,
    keys,
    stage: async (next) => {
      await writeFileAtomicallyAsync(stagedFile, `${next.toString('hex')}\n`);
      staged = next;
      return {};
    },
    commit: (next) => {
      if (!staged?.equals(next)) {
        return Promise.reject(new Error('refusing to commit a database key that this rekey did not stage'));
      }
      // The key the database was just re-encrypted with, written as such; the staged copy goes after.
      writeFileAtomically(keyFile, `${next.toString('hex')}\n`);
      rmSync(stagedFile, { force: true });
      staged = undefined;
      return Promise.resolve();
    },
    opened: (keyIndex) => {
      // The staged key opened it: a rekey finished in the database but not in the key file.
      if (keyIndex === 1) renameSync(stagedFile, keyFile);
      // The current key opened it: a staged key is left from a rekey that never reached the database.
      else rmSync(stagedFile, { force: true });
      return Promise.resolve();
    },
  };
}
