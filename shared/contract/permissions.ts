import { z } from 'zod';
import { defineMessage } from './define';
import { fileOpSchema } from './files';

/**
 * What a permission does when it matches: `allow` lets the message run, `ask` answers
 * ConfirmationRequired so the person decides, `deny` refuses. Deny wins over everything.
 */
export const permissionEffectSchema = z.enum(['allow', 'ask', 'deny']);
export type PermissionEffect = z.infer<typeof permissionEffectSchema>;

export const fileOpKindSchema = z.enum(fileOpSchema.options.map((option) => option.shape.kind.value) as [string, ...string[]]);

/** A glob (picomatch) over a path relative to its workspace root, `/`-separated; `**` is every path. */
export const pathGlobSchema = z
  .string()
  .min(1)
  .max(512)
  .refine((glob) => !glob.includes('\0') && !glob.startsWith('/') && !glob.split('/').includes('..'), {
    error: 'a path glob is relative to a workspace root and has no `..`',
  });

/**
 * A program with fixed arguments (`args`, exactly these) or an anchored regular expression
 * over the arguments joined by single spaces (`argsPattern`); neither means any arguments.
 * The same shape as the command policy's standing grants.
 */
export const commandGrantSchema = z.strictObject({
  cmd: z.string().min(1).max(256),
  args: z.array(z.string().max(4096)).max(64).optional(),
  argsPattern: z
    .string()
    .min(1)
    .max(256)
    // A pattern runs in main on every matching request, so nested quantifiers (the ReDoS shape) are refused.
    .refine((pattern) => !/\)[*+?{]/.test(pattern) && !/[*+]\??[*+{]/.test(pattern), {
      error: 'argsPattern must not quantify a group or repeat a quantifier',
    })
    .refine(
      (pattern) => {
        try {
          new RegExp(pattern, 'u');
          return true;
        } catch {
          return false;
        }
      },
      { error: 'argsPattern is not a valid regular expression' },
    )
    .optional(),
});
export type CommandGrant = z.infer<typeof commandGrantSchema>;

const effect = { effect: permissionEffectSchema.optional() };

export const fileOperationPermissionSchema = z.strictObject({
  message: z.literal('FileOperation'),
  ops: z.array(fileOpKindSchema).min(1).max(16),
  paths: z.array(pathGlobSchema).min(1).max(64),
  ...effect,
});

export const terminalCommandPermissionSchema = z.strictObject({
  message: z.literal('TerminalCommand'),
  /** `*`: any program the command policy allows (the built-in window and serve defaults). */
  commands: z.union([z.literal('*'), z.array(commandGrantSchema).min(1).max(64)]),
  ...effect,
});

export const settingsSetPermissionSchema = z.strictObject({
  message: z.literal('SettingsSet'),
  /** Setting keys that may be changed; `*` is every key. */
  keys: z.array(z.string().min(1).max(128)).min(1).max(64),
  ...effect,
});

/** Message types whose permissions carry a scope; every other type is allowed or not as a whole. */
export const scopedMessageTypes: ReadonlySet<string> = new Set(['FileOperation', 'TerminalCommand', 'SettingsSet']);

export const plainPermissionSchema = z.strictObject({
  message: z
    .string()
    .regex(/^[A-Z][A-Za-z]{1,63}$/)
    .refine((type) => !scopedMessageTypes.has(type), { error: 'this message type needs its scope (ops, paths, commands, keys)' }),
  ...effect,
});

/** One permission: a message type plus, for the types that have one, its scope. */
export const permissionSchema = z.union([
  fileOperationPermissionSchema,
  terminalCommandPermissionSchema,
  settingsSetPermissionSchema,
  plainPermissionSchema,
]);
export type Permission = z.infer<typeof permissionSchema>;

/**
 * A sender kind's permissions. `subject` names the kind (`window`, `serve`, `plugin:<id>`),
 * and the permissions service adds the grants stored for that subject.
 */
export const capabilitySchema = z.strictObject({
  subject: z.string().min(1).max(80),
  permissions: z.array(permissionSchema).max(512),
});
export type Capability = z.infer<typeof capabilitySchema>;

export const storedGrantSchema = z.object({
  id: z.number().int(),
  subject: z.string(),
  permission: permissionSchema,
  /** `confirm`: "always allow" in a confirmation; `revoke`: a built-in permission the person took away. */
  origin: z.enum(['confirm', 'revoke', 'setting']),
  createdAt: z.number(),
});
export type StoredGrant = z.infer<typeof storedGrantSchema>;

export const subjectPermissionsSchema = z.object({
  subject: z.string(),
  /** Senders of this kind seen since start (actors), newest first. */
  actors: z.array(z.string()),
  /** The built-in or approved permissions of the kind. */
  base: z.array(permissionSchema),
  /** Grants stored in the database: "always allow" decisions and revocations. */
  grants: z.array(storedGrantSchema),
});
export type SubjectPermissions = z.infer<typeof subjectPermissionsSchema>;

export const permissionMessages = {
  /** Every sender kind with its effective permissions. */
  PermissionList: defineMessage(z.strictObject({}), z.object({ subjects: z.array(subjectPermissionsSchema) })),
  /**
   * Takes a permission away: a stored grant by id, or one of a kind's base permissions by
   * index (stored as a deny, which wins). It applies from the very next message.
   */
  PermissionRevoke: defineMessage(
    z.union([
      z.strictObject({ grantId: z.number().int().min(1) }),
      z.strictObject({ subject: z.string().min(1).max(80), index: z.number().int().min(0).max(511) }),
    ]),
    z.object({ revoked: z.boolean() }),
  ),
  /**
   * Sets what one of a kind's permissions does: `ask` ("Ask me first") and `deny` narrow and
   * are always accepted; `allow` only for a permission the kind already has (its built-in or
   * approved ones), never a new one. The permission's own `effect`, if any, is replaced by
   * `effect`. Grants stored earlier for the same permission (same scope, any effect) are
   * replaced, so the new setting is the one in force from the very next message.
   */
  PermissionSet: defineMessage(
    z.strictObject({ subject: z.string().min(1).max(80), permission: permissionSchema, effect: permissionEffectSchema }),
    z.object({
      /** The stored grant; absent when `allow` only removed an earlier setting of a permission the kind has built in. */
      grant: storedGrantSchema.optional(),
      /** Earlier grants for the same permission that this one replaced. */
      replaced: z.number().int(),
    }),
  ),
} as const;
