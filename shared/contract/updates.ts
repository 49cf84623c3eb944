import { z } from 'zod';
import { defineMessage } from './define';

/** Longest update address kept; a feed folder URL is far shorter. */
const maxUpdateUrlChars = 2048;

/**
 * Where the update feed lives: the folder holding `latest-linux.yml` (and `latest.yml`,
 * `latest-mac.yml`). Empty means none is set. Only https, with no user name or password in
 * it (a credential in a setting would land in diagnostics and the audit log), and no
 * fragment. The check is here, in the contract, so nothing weaker can be saved.
 */
export const updateUrlSchema = z
  .string()
  .max(maxUpdateUrlChars)
  .refine((value) => value === '' || updateUrlProblem(value) === undefined, {
    error: (issue) => updateUrlProblem(String(issue.input)) ?? 'invalid update address',
  });

/** Why `value` is not an acceptable update address, or undefined when it is. */
export function updateUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'the update address is not a URL';
  }
  if (url.protocol !== 'https:') return 'the update address must use https';
  if (url.username !== '' || url.password !== '') return 'the update address must not hold a user name or password';
  if (url.hash !== '') return 'the update address must not have a #fragment';
  if (url.hostname === '') return 'the update address has no host';
  if (/[\s\0]/.test(value)) return 'the update address must not contain spaces or control characters';
  return undefined;
}

export const updateStateSchema = z.discriminatedUnion('status', [
  /** Automatic checks are off and no check was asked for, or no address is set. */
  z.object({ status: z.literal('disabled'), reason: z.string() }),
  z.object({ status: z.literal('idle') }),
  z.object({ status: z.literal('checking') }),
  z.object({ status: z.literal('up-to-date'), checkedAt: z.number(), latest: z.string() }),
  z.object({ status: z.literal('available'), checkedAt: z.number(), version: z.string() }),
  z.object({ status: z.literal('downloading'), version: z.string(), percent: z.number() }),
  /** Downloaded and its sha512 verified: it installs when LocalBrain quits. */
  z.object({ status: z.literal('downloaded'), version: z.string() }),
  z.object({ status: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type UpdateState = z.infer<typeof updateStateSchema>;

export const updateStatusSchema = z.object({
  /** False in serve mode (no installer to replace); `reason` says why. */
  supported: z.boolean(),
  reason: z.string().optional(),
  currentVersion: z.string(),
  state: updateStateSchema,
});
export type UpdateStatus = z.infer<typeof updateStatusSchema>;

export const updateCheckReplySchema = z.object({
  status: z.enum(['disabled', 'up-to-date', 'available']),
  /** The feed's version when one was read. */
  version: z.string().optional(),
  currentVersion: z.string(),
  reason: z.string().optional(),
});
export type UpdateCheckReply = z.infer<typeof updateCheckReplySchema>;

export const updateMessages = {
  /** What the updater is doing; never contacts the network. */
  UpdateStatus: defineMessage(z.strictObject({}), updateStatusSchema),
  /** Reads the feed now (the person asked): the one request besides automatic checks that contacts the update server. */
  UpdateCheck: defineMessage(z.strictObject({}), updateCheckReplySchema),
  /** Downloads the available update, sending UpdateProgress events; the sha512 is verified before it counts as downloaded. */
  UpdateDownload: defineMessage(z.strictObject({}), z.object({ version: z.string() })),
  /** Quits now and installs the downloaded, verified update (otherwise it installs at the next quit). */
  UpdateInstall: defineMessage(z.strictObject({}), z.object({})),
} as const;

export const updateEvents = {
  UpdateProgress: z.object({
    version: z.string(),
    percent: z.number(),
    transferredBytes: z.number(),
    totalBytes: z.number(),
    bytesPerSecond: z.number(),
  }),
} as const;
