import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomically } from '../keys/atomic-write';

/** The anchor file's name, in the data dir beside the database and its key (db.key, or the keychain-wrapped db-key.json). */
export const anchorFileName = 'audit-head.json';
const anchorMacLabel = 'localbrain audit anchor v1\n';

/** The newest entry of the chain: what a person notes and what the anchor keeps outside the database. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

const anchorFileSchema = z.strictObject({
  version: z.literal(1),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** When the anchor was written (ms since the epoch); covered by the MAC. */
  time: z.number().int(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

export type AnchorRead =
  | { readonly state: 'missing' }
  | { readonly state: 'invalid'; readonly reason: string }
  /** `keyIndex`: which of the offered MAC keys vouched for it (0: the current one). */
  | { readonly state: 'valid'; readonly head: AuditHead; readonly time: number; readonly keyIndex: number };

function anchorMac(macKey: Buffer, head: AuditHead, time: number): string {
  return createHmac('sha256', macKey).update(`${anchorMacLabel}${head.seq}\n${head.hash}\n${time}`, 'utf8').digest('hex');
}

function encode(macKey: Buffer, head: AuditHead, time: number): string {
  return `${JSON.stringify({ version: 1, seq: head.seq, hash: head.hash, time, mac: anchorMac(macKey, head, time) })}\n`;
}

/** Reads the anchor and checks its MAC against every audit key this installation holds. */
export function readAnchor(file: string, macKeys: readonly Buffer[]): AnchorRead {
  if (!existsSync(file)) return { state: 'missing' };
  let parsed: z.infer<typeof anchorFileSchema>;
  try {
    const result = anchorFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success) return { state: 'invalid', reason: 'the anchor file is not a LocalBrain audit anchor' };
    parsed = result.data;
  } catch {
    return { state: 'invalid', reason: 'the anchor file cannot be read' };
  }
  const head = { seq: parsed.seq, hash: parsed.hash };
  const stored = Buffer.from(parsed.mac, 'hex');
  const keyIndex = macKeys.findIndex((key) => timingSafeEqual(Buffer.from(anchorMac(key, head, parsed.time), 'hex'), stored));
  return keyIndex === -1
    ? { state: 'invalid', reason: 'the anchor file was altered' }
    : { state: 'valid', head, time: parsed.time, keyIndex };
}

/** Writes the anchor now, durably (temp file, fsync, rename); for shutdown and the rare moments that cannot wait. */
export function writeAnchorNow(file: string, macKey: Buffer, head: AuditHead, time = Date.now()): void {
  writeFileAtomically(file, encode(macKey, head, time));
}

/**
 * Writes the anchor off the main thread: temp file, fsync, rename. Never called for a head
 * whose entries are not yet fdatasync'ed, so after a power cut the anchor is never ahead of
 * the log (which would read as a truncation that did not happen).
 */
export async function writeAnchor(file: string, macKey: Buffer, head: AuditHead, time = Date.now()): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(encode(macKey, head, time));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
