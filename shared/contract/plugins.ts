import { z } from 'zod';
import { defineMessage } from './define';
import { permissionSchema } from './permissions';

export const pluginIdSchema = z.string().regex(/^[a-z0-9-]{3,64}$/, { error: 'a plugin id is 3–64 of a-z, 0-9 and -' });

/** Semantic version; 0.0.x is refused because it promises nothing about compatibility. */
export const pluginVersionSchema = z
  .string()
  .max(64)
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
    error: 'version must be semver',
  })
  .refine((version) => !version.startsWith('0.0.'), { error: 'version 0.0.x is not accepted; use 0.1.0 or later' });

/** Message types a plugin may never ask for: the ones that manage plugins, permissions, confirmations, keys and folders. */
export const pluginForbiddenMessages: ReadonlySet<string> = new Set([
  'PluginList',
  'PluginApprove',
  'PluginEnable',
  'PluginDisable',
  'PluginRemove',
  'PluginRun',
  'PermissionList',
  'PermissionRevoke',
  'PermissionSet',
  'Confirm',
  'StorageRekey',
  'WorkspaceGrant',
  'WorkspaceRevoke',
]);

export const pluginCommandSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  title: z.string().min(1).max(120),
  /** Phrases for the voice intent registry; `{slot}` marks a value, e.g. `word count of {path}`. */
  utterances: z.array(z.string().min(1).max(200)).max(16).default([]),
  /** Sentences "help" and the suggestions offer, e.g. `word count of the guide`; derived from the utterances when absent. */
  examples: z.array(z.string().min(1).max(200)).max(8).optional(),
});

export const pluginManifestSchema = z.strictObject({
  id: pluginIdSchema,
  name: z.string().min(1).max(80),
  version: pluginVersionSchema,
  /** The LocalBrain versions it runs on: `*`, `X.Y.Z`, `>=X.Y.Z`, `^X.Y.Z` or `~X.Y.Z`. */
  engine: z.string().regex(/^(\*|(>=|\^|~)?\d+\.\d+\.\d+)$/, { error: 'engine is *, X.Y.Z, >=X.Y.Z, ^X.Y.Z or ~X.Y.Z' }),
  /** One plain script in the plugin's folder. */
  entry: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}\.js$/, { error: 'entry is a .js file name in the plugin folder' }),
  description: z.string().max(500).optional(),
  permissions: z
    .array(permissionSchema)
    .max(64)
    .refine((permissions) => permissions.every((permission) => !pluginForbiddenMessages.has(permission.message)), {
      error: 'a plugin may not ask for plugin, permission, confirmation, key or folder management messages',
    }),
  contributes: z.strictObject({ commands: z.array(pluginCommandSchema).max(64) }).default({ commands: [] }),
  /** Base64 ed25519 signature over the canonical manifest (without this field) and the entry's sha256. */
  signature: z.string().max(200).optional(),
});
export type PluginManifest = z.infer<typeof pluginManifestSchema>;

export const pluginStateSchema = z.enum(['pending', 'enabled', 'disabled', 'failed']);
export type PluginState = z.infer<typeof pluginStateSchema>;

export const pluginInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  state: pluginStateSchema,
  /** What the manifest asks for now. */
  requested: z.array(permissionSchema),
  /** What the person approved (empty until approved). */
  granted: z.array(permissionSchema),
  error: z.string().optional(),
  /** Why it is pending: never approved, or changed since approval. */
  pendingReason: z.enum(['new', 'changed']).optional(),
  commands: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      utterances: z.array(z.string()),
      /** Sentences that run it by voice: the manifest's examples, else its utterances with slots as `<name>`. */
      examples: z.array(z.string()),
    }),
  ),
  /** Loaded with --plugin-dev (or the developer setting) from an unpacked folder, with hot reload. */
  dev: z.boolean(),
  /** The trusted publisher whose key verified the signature, when signed. */
  signedBy: z.string().optional(),
  recentErrors: z.array(z.object({ time: z.number(), message: z.string() })),
  stats: z.object({ calls: z.number().int(), denied: z.number().int(), crashes: z.number().int() }),
});
export type PluginInfo = z.infer<typeof pluginInfoSchema>;

const byId = z.strictObject({ id: pluginIdSchema });

export const pluginMessages = {
  PluginList: defineMessage(z.strictObject({}), z.object({ plugins: z.array(pluginInfoSchema) })),
  /** Approves the permissions the plugin asks for now; records the manifest and entry hashes and starts it. */
  PluginApprove: defineMessage(byId, z.object({ plugin: pluginInfoSchema })),
  PluginEnable: defineMessage(byId, z.object({ plugin: pluginInfoSchema })),
  PluginDisable: defineMessage(byId, z.object({ plugin: pluginInfoSchema })),
  /** Stops it, forgets its approval and grants, and deletes its folder from the data dir. */
  PluginRemove: defineMessage(byId, z.object({ removed: z.boolean() })),
  /** Runs one of the plugin's commands; the reply is the command's return value. */
  PluginRun: defineMessage(
    z.strictObject({ id: pluginIdSchema, command: z.string().regex(/^[a-z0-9-]{1,64}$/), args: z.unknown().optional() }),
    z.unknown(),
  ),
} as const;
