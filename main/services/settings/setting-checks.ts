import type { SettingKey, SettingValue } from '../../../shared/contract/settings';
import { assertListedShell, readListedShells } from './login-shells';

/**
 * Checks that need the system, beyond what the shared schema can say (the renderer runs that
 * schema too, without Node): each throws a LocalBrainError for a value it refuses.
 */
export type SettingChecks = { readonly [K in SettingKey]?: (value: SettingValue<K>) => void };

/** The checks main applies to every SettingsSet. */
export function systemSettingChecks(listedShells: () => ReadonlySet<string> = readListedShells): SettingChecks {
  return {
    'terminal.defaultShell': (shell) => {
      if (shell !== '') assertListedShell(shell, listedShells());
    },
  };
}
