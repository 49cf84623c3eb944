import type { StorageStatus } from '../../../shared/contract/settings';
import type { DatabaseKey } from './database-key';

/** Where the database key lives, and how a new one replaces it during a rekey. */
export interface KeyStore {
  readonly source: StorageStatus['keySource'];
  /** The safeStorage backend that wrapped the key, when one did. */
  readonly backend?: string;
  readonly canRekey: boolean;
  /** Keys to try in order: the current one, then a staged one left by an interrupted rekey. */
  readonly keys: readonly DatabaseKey[];
  /**
   * Persists `next` beside the current key before the database is rekeyed, so a crash
   * between the two loses nothing. A store with a recovery key returns the new one to show.
   * The caller runs one rekey at a time (Storage.rekey), so there is one staged key at most.
   */
  stage(next: DatabaseKey): Promise<{ recoveryKey?: string }>;
  /**
   * The database now opens with `next`: make it the key. Writes `next` itself, never
   * whatever the staged file happens to hold, and refuses a key that was not staged.
   */
  commit(next: DatabaseKey): Promise<void>;
  /**
   * Called after open with the index of the key that worked: a staged key that opened the
   * database becomes the key (an interrupted rekey finished); one that did not is removed.
   */
  opened(keyIndex: number): Promise<void>;
}

/** A fixed key that cannot be replaced: LOCALBRAIN_DB_KEY, or an in-memory core. */
export function fixedKeyStore(key: DatabaseKey, source: 'env' | 'memory'): KeyStore {
  const refuse = () =>
    Promise.reject(new Error(source === 'env' ? 'the key comes from LOCALBRAIN_DB_KEY; change it there' : 'no key to replace'));
  return { source, canRekey: false, keys: [key], stage: refuse, commit: refuse, opened: () => Promise.resolve() };
}
