import { createHash, timingSafeEqual } from 'node:crypto';
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import semver from 'semver';
import { z } from 'zod';

/** A feed file is a few hundred bytes; anything past this is not one. */
export const maxFeedChars = 64 * 1024;
/** A sha512 digest in base64, as electron-builder writes it: 64 bytes → 88 characters. */
const sha512Base64 = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, { error: 'sha512 must be 64 bytes in base64' });
/** A file name or a relative path inside the feed folder: no scheme, no way out of the folder. */
const feedFileUrl = z
  .string()
  .min(1)
  .max(1024)
  .refine((value) => !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('/') && !value.split(/[\\/]/).includes('..'), {
    error: 'file url must be a name inside the feed folder',
  });
const byteCount = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number);

/**
 * `latest*.yml` as electron-builder writes it. Parsed with the failsafe schema (every
 * scalar a string), so `version: 2.0` stays "2.0" instead of becoming the number 2; other
 * keys (releaseNotes, blockMapSize, stagingPercentage…) are allowed and ignored.
 */
const feedSchema = z.object({
  version: z.string().refine((value) => semver.valid(value) !== null, { error: 'version is not a semantic version' }),
  files: z
    .array(z.object({ url: feedFileUrl, sha512: sha512Base64, size: byteCount.optional() }))
    .min(1)
    .max(32),
  releaseDate: z.string().optional(),
});
export type UpdateFeed = z.infer<typeof feedSchema>;
export type FeedFile = UpdateFeed['files'][number];

export type UpdateDecision =
  | { readonly kind: 'newer'; readonly version: string; readonly file: FeedFile }
  | { readonly kind: 'same'; readonly version: string }
  | { readonly kind: 'older'; readonly version: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Reads a feed file; a reason instead when it is not one. */
export function parseFeed(text: string): { ok: true; feed: UpdateFeed } | { ok: false; reason: string } {
  if (text.length > maxFeedChars) return { ok: false, reason: `the feed is over ${maxFeedChars} characters` };
  let raw: unknown;
  try {
    raw = load(text, { schema: FAILSAFE_SCHEMA, json: false });
  } catch (error) {
    return {
      ok: false,
      reason: `the feed is not YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`,
    };
  }
  const parsed = feedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `the feed is not an update feed: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    };
  }
  return { ok: true, feed: parsed.data };
}

/**
 * What to do with a feed, given the running version: only a strictly newer semantic
 * version is an update (a prerelease of the running version is older; build metadata is
 * ignored, as semver says). The first file is the one electron-updater downloads.
 */
export function decideUpdate(currentVersion: string, feedText: string): UpdateDecision {
  const current = semver.valid(currentVersion);
  if (current === null) return { kind: 'malformed', reason: `the running version "${currentVersion}" is not a semantic version` };
  const parsed = parseFeed(feedText);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const { version, files } = parsed.feed;
  const [file] = files;
  if (file === undefined) return { kind: 'malformed', reason: 'the feed lists no file' };
  const order = semver.compare(version, current);
  if (order > 0) return { kind: 'newer', version, file };
  return order === 0 ? { kind: 'same', version } : { kind: 'older', version };
}

export type HashCheck = { readonly kind: 'verified' } | { readonly kind: 'wrong-hash'; readonly actual: string };

/** Compares downloaded bytes with the feed's sha512 (base64), in constant time. */
export function verifySha512(bytes: Uint8Array, expectedBase64: string): HashCheck {
  return compareSha512(createHash('sha512').update(bytes).digest(), expectedBase64);
}

/** Compares a sha512 digest already computed (of a file streamed through the hash) with the feed's. */
export function compareSha512(actual: Buffer, expectedBase64: string): HashCheck {
  const expected = Buffer.from(expectedBase64, 'base64');
  return expected.length === actual.length && timingSafeEqual(actual, expected)
    ? { kind: 'verified' }
    : { kind: 'wrong-hash', actual: actual.toString('base64') };
}

/** The feed file electron-builder writes for this platform. */
export function feedFileName(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'latest.yml';
  if (platform === 'darwin') return 'latest-mac.yml';
  return 'latest-linux.yml';
}
