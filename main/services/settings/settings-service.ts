import type { Logger } from 'pino';
import {
  defaultSettings,
  isSettingKey,
  settingKeys,
  settingSpecs,
  settingsPatchSchema,
  type SettingKey,
  type Settings,
  type SettingsPatch,
  type SettingValue,
} from '../../../shared/contract/settings';
import { LocalBrainError } from '../../../shared/errors';
import type { StorageDatabase } from '../storage/database';
import { systemSettingChecks, type SettingChecks } from './setting-checks';

export type SettingsListener = <K extends SettingKey>(key: K, value: SettingValue<K>) => void;

/**
 * Typed settings kept in the encrypted database, with a cached copy in memory. Other
 * services are given this object and read with `get`, or subscribe with `onChange`.
 */
export class SettingsService {
  readonly #storage: StorageDatabase;
  readonly #logger: Logger;
  readonly #values: Settings;
  readonly #listeners = new Set<SettingsListener>();
  readonly #upsert;
  readonly #checks: SettingChecks;

  constructor(storage: StorageDatabase, logger: Logger, checks: SettingChecks = systemSettingChecks()) {
    this.#storage = storage;
    this.#logger = logger;
    this.#checks = checks;
    this.#values = defaultSettings();
    this.#upsert = storage.db.prepare(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    const rows = storage.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    for (const row of rows) this.#load(row.key, row.value);
  }

  #load(key: string, text: string): void {
    if (!isSettingKey(key)) return;
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      stored = undefined;
    }
    const parsed = settingSpecs[key].schema.safeParse(stored);
    if (parsed.success) (this.#values as Record<SettingKey, unknown>)[key] = parsed.data;
    else this.#logger.warn({ setting: key }, 'stored setting no longer valid; using its default');
  }

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return structuredClone(this.#values[key]);
  }

  all(): Settings {
    return structuredClone(this.#values);
  }

  set<K extends SettingKey>(key: K, value: SettingValue<K>): void {
    this.update({ [key]: value });
  }

  /**
   * Validates every value (schema, then the system checks), writes them in one transaction,
   * then tells listeners about the ones that changed. One refused value writes nothing.
   */
  update(patch: SettingsPatch): Settings {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new LocalBrainError('ValidationFailed', 'A setting has an invalid value.', parsed.error.issues);
    const entries = settingKeys.flatMap((key) => {
      const value = parsed.data[key];
      return value === undefined ? [] : [[key, value] as const];
    });
    for (const [key, value] of entries) this.#check(key, value);
    const now = Date.now();
    this.#storage.db.transaction(() => {
      for (const [key, value] of entries) this.#upsert.run(key, JSON.stringify(value), now);
    })();
    this.#storage.noteWrite();
    const changed: SettingKey[] = [];
    for (const [key, value] of entries) {
      if (JSON.stringify(this.#values[key]) !== JSON.stringify(value)) changed.push(key);
      (this.#values as Record<SettingKey, unknown>)[key] = value;
    }
    for (const key of changed) this.#notify(key);
    return this.all();
  }

  #check<K extends SettingKey>(key: K, value: SettingValue<K>): void {
    this.#checks[key]?.(value);
  }

  #notify(key: SettingKey): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(key, this.get(key));
      } catch (error) {
        this.#logger.error({ err: error, setting: key }, 'settings listener failed');
      }
    }
  }

  /** Calls `listener` after each change; the returned function unsubscribes. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
