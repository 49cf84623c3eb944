import { createHash, createPublicKey, verify } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMessageType } from '../../../shared/contract';
import { pluginManifestSchema, type PluginManifest } from '../../../shared/contract/plugins';
import { LocalBrainError } from '../../../shared/errors';

export const manifestFileName = 'localbrain-plugin.json';
/** A manifest is a page of JSON; 64 KiB is far beyond any honest one. */
const maxManifestBytes = 64 * 1024;
/** One script, loaded whole into the sandbox; 1 MiB is a large bundled plugin. */
const maxEntryBytes = 1024 * 1024;

/** A plugin folder as read from disk: its parsed manifest, its script and both hashes. */
export interface LoadedPlugin {
  readonly folder: string;
  readonly manifest: PluginManifest;
  readonly source: string;
  readonly manifestSha256: string;
  readonly entrySha256: string;
}

export interface TrustedKey {
  readonly name: string;
  /** Raw 32-byte ed25519 public key, base64. */
  readonly publicKey: string;
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a regular file (never through a symlink) of at most `maxBytes`. */
async function readRegular(file: string, maxBytes: number, shown: string): Promise<Buffer> {
  const stats = await lstat(file).catch(() => {
    throw new LocalBrainError('NotFound', `${shown} is missing.`);
  });
  if (!stats.isFile()) throw new LocalBrainError('ValidationFailed', `${shown} must be a regular file, not a link or folder.`);
  if (stats.size > maxBytes) throw new LocalBrainError('ValidationFailed', `${shown} is larger than ${maxBytes} bytes.`);
  return readFile(file);
}

/** `*`, `X.Y.Z`, `>=X.Y.Z`, `^X.Y.Z` or `~X.Y.Z` against this build's version; `dev` (from source) accepts any. */
export function engineAccepts(range: string, version: string): boolean {
  if (range === '*' || version === 'dev') return true;
  const parse = (text: string) => text.split('-')[0]?.split('.').map(Number) ?? [];
  const match = /^(>=|\^|~)?(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) return false;
  const [major = 0, minor = 0, patch = 0] = parse(version);
  const [wantMajor = 0, wantMinor = 0, wantPatch = 0] = parse(match[2] ?? '');
  const compare = major - wantMajor || minor - wantMinor || patch - wantPatch;
  switch (match[1]) {
    case '>=':
      return compare >= 0;
    case '^':
      return compare >= 0 && major === wantMajor && (wantMajor !== 0 || minor === wantMinor);
    case '~':
      return compare >= 0 && major === wantMajor && minor === wantMinor;
    default:
      return compare === 0;
  }
}

/** Compares two semver versions by their numbers (pre-release tags sort before the release). */
export function compareVersions(a: string, b: string): number {
  const split = (version: string) => {
    const [core = '', pre] = version.split('+')[0]?.split(/-(.*)/s) ?? [];
    return { numbers: core.split('.').map(Number), pre };
  };
  const left = split(a);
  const right = split(b);
  for (let index = 0; index < 3; index += 1) {
    const difference = (left.numbers[index] ?? 0) - (right.numbers[index] ?? 0);
    if (difference !== 0) return difference;
  }
  if (left.pre === right.pre) return 0;
  if (left.pre === undefined) return 1;
  if (right.pre === undefined) return -1;
  return left.pre < right.pre ? -1 : 1;
}

/** JSON with keys sorted at every level: the form a signature covers. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The bytes a publisher signs: the canonical manifest without its signature, a newline, the entry's sha256. */
export function signedPayload(manifestJson: unknown, entrySha256: string): Buffer {
  const { signature: _signature, ...unsigned } = manifestJson as Record<string, unknown>;
  return Buffer.from(`${canonicalJson(unsigned)}\n${entrySha256}`, 'utf8');
}

const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/** The trusted key whose signature verifies, or undefined when unsigned; throws when a signature verifies against no trusted key. */
export function verifySignature(loaded: LoadedPlugin, raw: unknown, keys: readonly TrustedKey[]): string | undefined {
  const { signature } = loaded.manifest;
  if (signature === undefined) return undefined;
  const payload = signedPayload(raw, loaded.entrySha256);
  const bytes = Buffer.from(signature, 'base64');
  for (const key of keys) {
    const raw32 = Buffer.from(key.publicKey, 'base64');
    if (raw32.length !== 32) continue;
    const publicKey = createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, raw32]), format: 'der', type: 'spki' });
    if (verify(null, payload, publicKey, bytes)) return key.name;
  }
  throw new LocalBrainError(
    'PermissionDenied',
    `The signature of ${loaded.manifest.id} does not verify against any trusted publisher key.`,
  );
}

/** Reads and validates a plugin folder; the manifest's id must match the folder name unless `anyName` (a dev folder). */
export async function loadPluginFolder(
  folder: string,
  options: { anyName?: boolean; trustedKeys?: readonly TrustedKey[] } = {},
): Promise<LoadedPlugin & { signedBy?: string }> {
  const manifestBytes = await readRegular(path.join(folder, manifestFileName), maxManifestBytes, manifestFileName);
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new LocalBrainError('ValidationFailed', `${manifestFileName} is not valid JSON.`);
  }
  const parsed = pluginManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new LocalBrainError('ValidationFailed', `${manifestFileName} is not a valid manifest.`, parsed.error.issues);
  const manifest = parsed.data;
  const unknown = manifest.permissions.find((permission) => !isMessageType(permission.message));
  if (unknown)
    throw new LocalBrainError('ValidationFailed', `The manifest asks for ${unknown.message}, which is not a message type.`);
  if (!options.anyName && path.basename(folder) !== manifest.id) {
    throw new LocalBrainError(
      'ValidationFailed',
      `The folder ${path.basename(folder)} holds the plugin ${manifest.id}; they must match.`,
    );
  }
  const entryBytes = await readRegular(path.join(folder, manifest.entry), maxEntryBytes, manifest.entry);
  const source = entryBytes.toString('utf8');
  const loaded: LoadedPlugin = {
    folder,
    manifest,
    source,
    manifestSha256: sha256(manifestBytes),
    entrySha256: sha256(entryBytes),
  };
  const signedBy = verifySignature(loaded, raw, options.trustedKeys ?? []);
  return signedBy === undefined ? loaded : { ...loaded, signedBy };
}
