import type { SafeStorage } from 'electron';
import type { KeyWrapper } from '../services/keys/desktop-key-store';

/** The parts of Electron's safeStorage the key wrapper uses; tests pass a fake. */
export type SafeStorageLike = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

/** Linux backends that are not a real keyring: `basic_text` keeps the secret with a hard-coded password. */
const unprotectedLinuxBackends = new Set(['basic_text', 'unknown']);

function platformBackend(safeStorage: SafeStorageLike, platform: NodeJS.Platform): string | undefined {
  switch (platform) {
    case 'darwin':
      return 'keychain';
    case 'win32':
      return 'dpapi';
    default: {
      const backend = safeStorage.getSelectedStorageBackend();
      return unprotectedLinuxBackends.has(backend) ? undefined : backend;
    }
  }
}

/**
 * Wraps the database key with the OS keychain through safeStorage's asynchronous API.
 * On Linux, the `basic_text` backend counts as no keyring at all, so the desktop key store
 * falls back to a passphrase rather than store the key under a password everyone knows.
 */
export function safeStorageKeyWrapper(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeyWrapper {
  return {
    backend: async () => ((await safeStorage.isAsyncEncryptionAvailable()) ? platformBackend(safeStorage, platform) : undefined),
    wrap: (secret) => safeStorage.encryptStringAsync(secret),
    unwrap: async (wrapped) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(wrapped);
      return { secret: result, shouldRewrap: shouldReEncrypt };
    },
  };
}
