import { z } from 'zod';
import { defineMessage } from './define';

/** Longest path kept in a setting: PATH_MAX on Linux. */
const maxPathChars = 4096;

/**
 * Every setting: its schema and its default, in one map, so a key is added in one place.
 * Keys are dotted by the area that reads them.
 */
export const settingSpecs = {
  /** Dark is the app's designed look; `system` follows the desktop. */
  'appearance.theme': { schema: z.enum(['system', 'light', 'dark']), default: 'dark' },
  /** Pixels; 8–32 covers every readable monospace size. */
  'terminal.fontSize': { schema: z.number().int().min(8).max(32), default: 14 },
  /** Lines kept per terminal; xterm's own default is 1,000, 100,000 caps memory at ~tens of MB per tab. */
  'terminal.scrollback': { schema: z.number().int().min(0).max(100_000), default: 5_000 },
  /** Empty means the account's login shell. */
  'terminal.defaultShell': {
    schema: z
      .string()
      .max(maxPathChars)
      .refine((value) => !value.includes('\0'), { error: 'shell must not contain NUL' }),
    default: '',
  },
  'terminal.maxSessions': { schema: z.number().int().min(1).max(256), default: 32 },
  'files.showHidden': { schema: z.boolean(), default: false },
  /** Days of audit history kept; 0 keeps everything. */
  'audit.retentionDays': { schema: z.number().int().min(0).max(36_500), default: 365 },
  /**
   * Speech-to-text: the base URL of an OpenAI-compatible server (`POST /v1/audio/transcriptions`),
   * such as whisper.cpp's server on 127.0.0.1. Empty means speech is off, the default.
   */
  'voice.speechEndpoint': {
    schema: z
      .string()
      .max(2048)
      .refine((value) => value === '' || /^https?:\/\/[^\s]+$/.test(value), { error: 'the endpoint must be an http(s) URL' }),
    default: '',
  },
  /** Audio may go to a host other than this machine; off by default, and the settings say so plainly when on. */
  'voice.allowRemoteEndpoint': { schema: z.boolean(), default: false },
  /** Read replies aloud with the system's speech synthesis. */
  'voice.speakReplies': { schema: z.boolean(), default: false },
  /** Workspace roots the person granted, persisted by the files service. */
  'workspace.roots': {
    schema: z
      .array(
        z
          .string()
          .min(1)
          .max(maxPathChars)
          .refine((value) => !value.includes('\0'), { error: 'path must not contain NUL' }),
      )
      .max(256),
    default: [] as string[],
  },
} as const;

type Specs = typeof settingSpecs;
export type SettingKey = keyof Specs;
export type SettingValue<K extends SettingKey> = z.infer<Specs[K]['schema']>;
export type Settings = { [K in SettingKey]: SettingValue<K> };

export const settingKeys = Object.keys(settingSpecs) as SettingKey[];

export function isSettingKey(value: unknown): value is SettingKey {
  return typeof value === 'string' && Object.hasOwn(settingSpecs, value);
}

export function defaultSettings(): Settings {
  return Object.fromEntries(settingKeys.map((key) => [key, structuredClone(settingSpecs[key].default)])) as Settings;
}

function shapeOf<Optional extends boolean>(optional: Optional) {
  return Object.fromEntries(
    settingKeys.map((key) => [key, optional ? settingSpecs[key].schema.optional() : settingSpecs[key].schema]),
  ) as unknown as { [K in SettingKey]: Optional extends true ? z.ZodOptional<Specs[K]['schema']> : Specs[K]['schema'] };
}

export const settingsSchema = z.strictObject(shapeOf(false));
/** A partial update: unknown keys are refused, each present value is checked by its own schema. */
export const settingsPatchSchema = z.strictObject(shapeOf(true));
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const storageStatusSchema = z.object({
  /** Where the database key came from. */
  keySource: z.enum(['env', 'file', 'safeStorage', 'passphrase', 'memory']),
  /** The safeStorage backend that wrapped the key, when it was wrapped. */
  keyBackend: z.string().optional(),
  file: z.string(),
  schemaVersion: z.number().int(),
  cipher: z.string(),
  /** Whether rekeying is possible here (not when the key comes from the environment). */
  canRekey: z.boolean(),
});
export type StorageStatus = z.infer<typeof storageStatusSchema>;

export const settingsMessages = {
  SettingsGet: defineMessage(z.strictObject({}), z.object({ values: settingsSchema })),
  SettingsSet: defineMessage(z.strictObject({ values: settingsPatchSchema }), z.object({ values: settingsSchema })),
  StorageStatus: defineMessage(z.strictObject({}), storageStatusSchema),
  /** New random key, database re-encrypted in place; the old key no longer opens it. */
  StorageRekey: defineMessage(
    z.strictObject({}),
    // The desktop issues a new recovery key with the new database key: shown once, to write down.
    z.object({ rekeyedAt: z.number(), recoveryKey: z.string().optional() }),
  ),
} as const;
