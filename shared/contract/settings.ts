import { z } from 'zod';
import { defineMessage } from './define';
import { updateUrlSchema } from './updates';

/** Longest path kept in a setting: PATH_MAX on Linux. */
const maxPathChars = 4096;
/** The shortest audit retention a client may set: a month of history survives a compromised window. */
export const minRetentionDays = 30;

function hasControlCharacter(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return /[\u0000-\u001f\u007f]/.test(value);
}

/**
 * Every setting: its schema and its default, in one map, so a key is added in one place.
 * Keys are dotted by the area that reads them. Settings are preferences any client may set
 * with SettingsSet; nothing here may grant a capability (a folder, a program, a host):
 * granted workspace roots live outside this map and change only through WorkspaceGrant/Revoke.
 */
export const settingSpecs = {
  /** Dark is the app's designed look; `system` follows the desktop. */
  'appearance.theme': { schema: z.enum(['system', 'light', 'dark']), default: 'dark' },
  /** Pixels; 8–32 covers every readable monospace size. */
  'terminal.fontSize': { schema: z.number().int().min(8).max(32), default: 14 },
  /** Lines kept per terminal; xterm's own default is 1,000, 100,000 caps memory at ~tens of MB per tab. */
  'terminal.scrollback': { schema: z.number().int().min(0).max(100_000), default: 5_000 },
  /**
   * Empty means the account's login shell. Otherwise an absolute path; main also requires it
   * to be listed in /etc/shells, when it is set and again at each spawn (a program, not a preference).
   */
  'terminal.defaultShell': {
    schema: z
      .string()
      .max(maxPathChars)
      .refine((value) => value === '' || value.startsWith('/'), { error: 'shell must be empty or an absolute path' })
      .refine((value) => !hasControlCharacter(value), { error: 'shell must not contain control characters' }),
    default: '',
  },
  /** Opt-in: save each terminal's recent output with the layout, shown marked as restored after a restart. */
  'terminal.restoreScrollback': { schema: z.boolean(), default: false },
  'terminal.maxSessions': { schema: z.number().int().min(1).max(256), default: 32 },
  'files.showHidden': { schema: z.boolean(), default: false },
  /** Heap the health monitor lets the core use before it warns and frees caches (issue 11: 100 MB). */
  'health.heapBudgetMB': { schema: z.number().int().min(32).max(16_384), default: 100 },
  /** Off by default: nothing contacts the update server until the person turns this on or clicks "Check for updates". */
  'updates.enabled': { schema: z.boolean(), default: false },
  /**
   * The update feed folder; https only, no credentials in it (see updateUrlSchema). Empty: none set.
   * Naming a host grants nothing by itself: a download starts only after the person confirms
   * the version and host in a native dialog the page cannot click (docs/security.md, "Update channel").
   */
  'updates.url': { schema: updateUrlSchema, default: '' },
  /**
   * Days of audit history kept; 0 keeps everything. At least 30 otherwise: a shorter setting
   * would let any client erase the record of what it did a day ago (docs/security.md, "Settings").
   */
  'audit.retentionDays': {
    schema: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .refine((days) => days === 0 || days >= minRetentionDays, {
        error: `keep audit entries at least ${minRetentionDays} days, or 0 for forever`,
      }),
    default: 365,
  },
  /** Publisher keys a plugin signature is checked against (raw ed25519 public keys, base64). */
  'plugins.trustedKeys': {
    schema: z
      .array(z.strictObject({ name: z.string().min(1).max(80), publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/) }))
      .max(32),
    default: [] as { name: string; publicKey: string }[],
  },
  /** Developer setting: unpacked plugin folders loaded with hot reload (the desktop's --plugin-dev); read at start. */
  'plugins.devDirs': {
    schema: z
      .array(
        z
          .string()
          .min(1)
          .max(maxPathChars)
          .refine((value) => !value.includes('\0'), { error: 'path must not contain NUL' }),
      )
      .max(16),
    default: [] as string[],
  },
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
