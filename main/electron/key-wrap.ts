import type { SafeStorage } from 'electron';
import path from 'node:path';
import { desktopKeyStore, type KeyPrompt, type KeyWrapper } from '../services/keys/desktop-key-store';
import type { KeyStore } from '../services/keys/key-store';
import { databaseFileName } from '../services/storage/storage';

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

/** The parts of Electron's dialog and clipboard the key prompt uses. */
export interface PromptSurfaces {
  showMessageBox(options: {
    type: 'info' | 'warning';
    title: string;
    message: string;
    detail?: string;
    buttons: string[];
  }): Promise<{
    response: number;
  }>;
  writeClipboard(text: string): void | Promise<void>;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The desktop's key prompts as native dialogs. Electron has no text-input dialog, so a
 * passphrase or recovery key is read from LOCALBRAIN_DB_PASSPHRASE / LOCALBRAIN_RECOVERY_KEY
 * and the dialog says so when it is missing; an in-window prompt is the planned replacement.
 */
export function dialogKeyPrompt(surfaces: PromptSurfaces): KeyPrompt {
  const title = 'LocalBrain database key';
  const info = async (message: string, detail?: string) => {
    await surfaces.showMessageBox({ type: 'info', title, message, ...(detail === undefined ? {} : { detail }), buttons: ['OK'] });
  };
  return {
    notice: (message) => info(message),
    passphrase: async (purpose, attempt) => {
      const given = surfaces.env.LOCALBRAIN_DB_PASSPHRASE;
      if (attempt === 1 && given) return given;
      await info(
        purpose === 'create'
          ? 'A passphrase is needed to protect the database key.'
          : 'The passphrase is needed to unlock the database.',
        'Start LocalBrain with LOCALBRAIN_DB_PASSPHRASE set in its environment.',
      );
      return undefined;
    },
    recoveryKey: async (reason) => {
      const given = surfaces.env.LOCALBRAIN_RECOVERY_KEY;
      if (given) return given;
      await info(reason, 'Start LocalBrain with LOCALBRAIN_RECOVERY_KEY set to the recovery key you wrote down.');
      return undefined;
    },
    showRecoveryKey: async (recoveryKey) => {
      const { response } = await surfaces.showMessageBox({
        type: 'warning',
        title,
        message: 'Write down this recovery key and keep it somewhere safe.',
        detail: `${recoveryKey}\n\nIf the system keyring is ever lost, this key is the only way to open your LocalBrain data.`,
        buttons: ['Copy and continue', 'Continue'],
      });
      if (response === 0) await surfaces.writeClipboard(recoveryKey);
    },
  };
}

/** Everything the desktop needs to open its database: the key store, and where the Electron-ABI SQLite addon is. */
export async function desktopStorageOptions(options: {
  userDataDir: string;
  safeStorage: SafeStorageLike;
  surfaces: PromptSurfaces;
}): Promise<{ keyStore: KeyStore; sqliteBinding?: string }> {
  const keyStore = await desktopKeyStore({
    dir: options.userDataDir,
    databaseFile: path.join(options.userDataDir, databaseFileName),
    wrapper: safeStorageKeyWrapper(options.safeStorage),
    prompt: dialogKeyPrompt(options.surfaces),
  });
  // better-sqlite3 is not N-API: under `npm start` scripts/electron-native.mjs builds an Electron-ABI copy and names it here.
  const binding = options.surfaces.env.LOCALBRAIN_SQLITE_BINDING;
  return binding ? { keyStore, sqliteBinding: binding } : { keyStore };
}
