import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../main/ports/audit';
import type { AuditVerifyResult } from '../../../shared/contract/audit';
import { anchorFileName } from '../../../main/services/audit/anchor';
import { AuditLog } from '../../../main/services/audit/audit-log';
import { auditMacKey, canonicalSummary, entryHash, entryMac, genesisHash } from '../../../main/services/audit/chain';
import { generateDatabaseKey, type DatabaseKey } from '../../../main/services/keys/database-key';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { migration001Initial } from '../../../main/services/storage/migrations/001-initial';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let key: DatabaseKey;
let database: StorageDatabase;
let audit: AuditLog;
const { logger, lines } = capturingLogger();

const anchorFile = () => path.join(dir.path, anchorFileName);

function open(keys: { current: DatabaseKey; others?: DatabaseKey[] } = { current: key }): void {
  database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [keys.current], migrations });
  audit = new AuditLog({ storage: database, logger, databaseKeys: keys, anchorFile: anchorFile() });
}

async function close(): Promise<void> {
  await audit.dispose();
  await database.close();
}

async function reopen(): Promise<void> {
  await close();
  open();
}

function record(n: number): AuditRecord {
  return {
    time: 1_700_000_000_000 + n,
    actor: 'test:1',
    type: 'FileOperation',
    summary: { op: 'stat', path: `/w/${n}` },
    outcome: 'ok',
    durationMs: 0.5,
  };
}

async function write(count: number, from = 1): Promise<void> {
  for (let n = from; n < from + count; n++) void audit.append(record(n), { privileged: false });
  audit.flush();
  await Promise.resolve();
}

interface StoredRow {
  seq: number;
  kind: 'request' | 'prune';
  time: number;
  actor: string;
  type: string;
  summary: string;
  outcome: string;
  duration_ms: number;
  prev_hash: string;
  hash: string;
  mac: string | null;
}

function rows(): StoredRow[] {
  return database.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as StoredRow[];
}

function hashOf(row: StoredRow): string {
  const fields = {
    seq: row.seq,
    kind: row.kind,
    time: row.time,
    actor: row.actor,
    type: row.type,
    summary: {},
    outcome: row.outcome,
    durationMs: row.duration_ms,
    prevHash: row.prev_hash,
  };
  return entryHash(fields, row.summary);
}

/** Asserts a failed verification, where it broke and why. */
function expectBroken(result: AuditVerifyResult, reason: RegExp, brokenAt?: number): void {
  expect(result.ok).toBe(false);
  expect(result.reason).toMatch(reason);
  if (brokenAt !== undefined) expect(result.brokenAt).toBe(brokenAt);
}

function dropTriggers(): void {
  database.db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

beforeEach(async () => {
  dir = await tempDir();
  key = generateDatabaseKey();
  open();
});
afterEach(async () => {
  await close();
  await dir.remove();
});

describe('entry hash and MAC', () => {
  it('pins entryHash, the MAC key derivation and entryMac to known answers', () => {
    // SHA-256 of [1,7,"request",1700000000123,"serve:3","FileOperation",{"op":"stat","path":"/w/a.txt"},"ok",0.125,"abab…"]
    const hash = entryHash({
      seq: 7,
      kind: 'request',
      time: 1_700_000_000_123,
      actor: 'serve:3',
      type: 'FileOperation',
      summary: { path: '/w/a.txt', op: 'stat' },
      outcome: 'ok',
      durationMs: 0.125,
      prevHash: 'ab'.repeat(32),
    });
    expect(hash).toBe('382a10fa915482c1d612b89c6712ca67c53da1df4d00f812a4009b9d273075c9');
    // HKDF-SHA256(ikm = 32 × 0x11, no salt, info "localbrain audit mac v1"), checked against an independent implementation.
    const macKey = auditMacKey(Buffer.alloc(32, 0x11));
    expect(macKey.toString('hex')).toBe('bddf6cc721e466c8da2a5a176fc6478f578570039d1a3a2b4d10f7f072554ed1');
    expect(entryMac(macKey, hash)).toBe('386846ea078ca6bb6cd8cefbfe8c5d4d8d01537b863536d99f7e6769cc58ac89');
  });

  it('covers every field: changing any one changes the hash', () => {
    const base = {
      seq: 1,
      kind: 'request' as const,
      time: 1,
      actor: 'a',
      type: 't',
      summary: { x: 1 },
      outcome: 'ok',
      durationMs: 1,
      prevHash: genesisHash,
    };
    const variants = [
      { seq: 2 },
      { kind: 'prune' as const },
      { time: 2 },
      { actor: 'b' },
      { type: 'u' },
      { summary: { x: 2 } },
      { outcome: 'Io' },
      { durationMs: 2 },
      { prevHash: 'f'.repeat(64) },
    ];
    const hashes = new Set([entryHash(base), ...variants.map((change) => entryHash({ ...base, ...change }))]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe('tamper evidence', () => {
  it('catches a rewritten entry whose hash is recomputed and whose successor is relinked to it', async () => {
    await write(10);
    dropTriggers();
    const target = rows()[4];
    if (!target) throw new Error('no row');
    const summary = canonicalSummary({ op: 'stat', path: '/w/innocent' });
    const rewritten = { ...target, summary };
    const newHash = hashOf(rewritten);
    database.db.prepare('UPDATE audit_log SET summary = ?, hash = ? WHERE seq = ?').run(summary, newHash, target.seq);
    // The successor is relinked but its own hash is left alone: only a hash that covers prevHash notices.
    database.db.prepare('UPDATE audit_log SET prev_hash = ? WHERE seq = ?').run(newHash, target.seq + 1);
    const result = await audit.verify();
    expectBroken(result, /changed/, target.seq + 1);
  });

  it('catches one entry rewritten and every later one re-hashed and relinked without the MAC key', async () => {
    await write(12);
    dropTriggers();
    const update = database.db.prepare('UPDATE audit_log SET summary = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    let prevHash = rows()[5]?.prev_hash ?? '';
    for (const row of rows().slice(5)) {
      const summary = row.seq === 6 ? canonicalSummary({ op: 'stat', path: '/w/innocent' }) : row.summary;
      const hash = hashOf({ ...row, summary, prev_hash: prevHash });
      update.run(summary, prevHash, hash, row.seq);
      prevHash = hash;
    }
    // The links and hashes all hold now; only the MACs, which need the key, do not.
    expectBroken(await audit.verify(), /MAC/, 6);
  });

  it('reports removing the last 4 entries with the triggers dropped as a truncation at the next open, and records it', async () => {
    await write(10);
    await close();
    open();
    dropTriggers();
    database.db.prepare('DELETE FROM audit_log WHERE seq > 6').run();
    await reopen();
    const result = await audit.verify();
    expectBroken(result, /truncated.*ends at entry 6.*entry 10/, 7);
    const [mismatch] = audit.query({ type: 'AuditAnchorMismatch' }).entries;
    expect(mismatch).toMatchObject({ actor: 'localbrain', outcome: 'Conflict', summary: { brokenAt: 7, headSeq: 6 } });
    expect(lines().some((line) => line.msg === 'audit head at open' && typeof line.auditHead === 'object')).toBe(true);
    // The finding stays in the chain; the next session starts from the new, anchored head.
    await reopen();
    expect(await audit.verify()).toMatchObject({ ok: true });
    expect(audit.query({ type: 'AuditAnchorMismatch' }).entries).toHaveLength(1);
  });

  it('reports a rewrite by someone holding the key (hash and MAC recomputed) through the anchor kept outside the database', async () => {
    await write(10);
    await close();
    open();
    dropTriggers();
    const last = rows()[9];
    if (!last) throw new Error('no row');
    const summary = canonicalSummary({ op: 'stat', path: '/w/innocent' });
    const hash = hashOf({ ...last, summary });
    database.db
      .prepare('UPDATE audit_log SET summary = ?, hash = ?, mac = ? WHERE seq = 10')
      .run(summary, hash, entryMac(auditMacKey(key), hash));
    // With the key the chain itself holds again: only the anchored head tells.
    await close();
    database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [key], migrations });
    expect(await new AuditLog({ storage: database, logger, databaseKeys: { current: key } }).verify()).toMatchObject({
      ok: true,
    });
    audit = new AuditLog({ storage: database, logger, databaseKeys: { current: key }, anchorFile: anchorFile() });
    expectBroken(await audit.verify(), /entry 10 is not the one its anchor records/, 10);
  });

  it('reports the last entries removed through the prune permit, with the triggers in place', async () => {
    await write(10);
    await close();
    open();
    database.db.prepare('INSERT INTO audit_prune_permit (up_to) VALUES (1000000)').run();
    database.db.prepare('DELETE FROM audit_log WHERE seq > 6').run();
    database.db.prepare('DELETE FROM audit_prune_permit').run();
    await reopen();
    expectBroken(await audit.verify(), /truncated/);
  });

  it('reports the oldest entries removed through the prune permit without a checkpoint', async () => {
    await write(10);
    database.db.prepare('INSERT INTO audit_prune_permit (up_to) VALUES (4)').run();
    database.db.prepare('DELETE FROM audit_log WHERE seq <= 4').run();
    database.db.prepare('DELETE FROM audit_prune_permit').run();
    expectBroken(await audit.verify(), /no prune checkpoint/, 5);
  });

  it('verifies a real prune, whose checkpoint carries the range, its count and its last hash', async () => {
    await write(10);
    const tenth = rows()[9];
    expect(audit.prune(1_700_000_000_000 + 6).removed).toBe(5);
    const [checkpoint] = audit.query({ type: 'AuditPruned' }).entries;
    expect(checkpoint?.summary).toMatchObject({ fromSeq: 1, toSeq: 5, count: 5 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 6, head: { seq: 11 } });
    expect(tenth?.seq).toBe(10);
  });

  it('reports a checkpoint whose count does not match the range it claims', async () => {
    await write(10);
    audit.prune(1_700_000_000_000 + 6);
    dropTriggers();
    const checkpoint = rows().find((row) => row.kind === 'prune');
    if (!checkpoint) throw new Error('no checkpoint');
    const summary = canonicalSummary({ ...(JSON.parse(checkpoint.summary) as Record<string, number>), count: 3 });
    database.db
      .prepare('UPDATE audit_log SET summary = ?, hash = ? WHERE seq = ?')
      .run(summary, hashOf({ ...checkpoint, summary }), checkpoint.seq);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 6 });
  });

  it('reports a missing or altered anchor beside a keyed chain', async () => {
    await write(3);
    await close();
    const stored = JSON.parse(readFileSync(anchorFile(), 'utf8')) as { seq: number };
    writeFileSync(anchorFile(), JSON.stringify({ ...stored, seq: stored.seq - 1 }));
    open();
    expect(await audit.verify()).toMatchObject({ ok: false, reason: 'the anchor file was altered' });
    await close();
    rmSync(anchorFile());
    open();
    expect(await audit.verify()).toMatchObject({ ok: false, reason: 'the audit head anchor file is missing' });
  });

  it("anchors the head outside the database, MAC'd, and returns it from verify", async () => {
    await write(4);
    await close();
    open();
    const anchored = JSON.parse(readFileSync(anchorFile(), 'utf8')) as { seq: number; hash: string };
    const newest = audit.query({ limit: 1 }).entries[0];
    expect(anchored).toMatchObject({ seq: newest?.seq, hash: newest?.hash });
    expect(await audit.verify()).toEqual({ ok: true, checked: 4, head: { seq: 4, hash: newest?.hash } });
  });

  it('reports an entry whose MAC was removed after keyed ones', async () => {
    await write(5);
    dropTriggers();
    database.db.prepare('UPDATE audit_log SET mac = NULL WHERE seq = 5').run();
    expectBroken(await audit.verify(), /MAC was removed/, 5);
  });
});

describe('chain formats and keys', () => {
  it("vouches at open for a tail MAC'd under an older held key, so a rekey interrupted before its rotation entry still verifies later", async () => {
    await write(3);
    const next = generateDatabaseKey();
    database.rekey(next);
    await close();
    // The interrupted rekey: the database opens with the new key while the old one is still held.
    open({ current: next, others: [key] });
    expect(audit.query({ type: 'AuditKeyRotated' }).entries).toHaveLength(1);
    await close();
    open({ current: next });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 4 });
  });

  it('verifies a log written by the unkeyed chain of schema 1, and keys what follows it', async () => {
    await close();
    for (const name of ['localbrain.db', 'localbrain.db.keycheck', 'localbrain.db-wal', anchorFileName]) {
      rmSync(path.join(dir.path, name), { force: true });
    }
    // A schema-1 database, written as the old build did: hash links, no MAC column.
    const old = StorageDatabase.open({
      file: path.join(dir.path, 'localbrain.db'),
      keys: [key],
      migrations: [migration001Initial],
    });
    const insert = old.db.prepare(
      `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash) VALUES (?, 'request', ?, 'old:1', 'VoiceCommand', ?, 'ok', 1, ?, ?)`,
    );
    let prevHash = genesisHash;
    for (let seq = 1; seq <= 5; seq++) {
      const summary = canonicalSummary({ chars: seq });
      const hash = entryHash(
        {
          seq,
          kind: 'request',
          time: seq,
          actor: 'old:1',
          type: 'VoiceCommand',
          summary: {},
          outcome: 'ok',
          durationMs: 1,
          prevHash,
        },
        summary,
      );
      insert.run(seq, seq, summary, prevHash, hash);
      prevHash = hash;
    }
    await old.close();
    open();
    expect(database.migration).toMatchObject({ from: 1 });
    await write(3, 6);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 8 });
    expect(rows().map((row) => row.mac === null)).toEqual([true, true, true, true, true, false, false, false]);
    // The first keyed entry vouches for the old ones: rewriting one means re-hashing it too.
    dropTriggers();
    database.db.prepare(`UPDATE audit_log SET summary = '{"chars":99}' WHERE seq = 2`).run();
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('stays verifiable after a key rotation, once the old key is gone', async () => {
    await write(4);
    const next = generateDatabaseKey();
    database.rekey(next);
    audit.rotateKey(next);
    await write(2, 5);
    await close();
    open({ current: next });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 7 });
    expect(audit.query({ type: 'AuditKeyRotated' }).entries).toHaveLength(1);
    // Entries MAC'd under the old key are vouched for by the rotation entry; a rewrite after it is not.
    dropTriggers();
    database.db.prepare(`UPDATE audit_log SET mac = ? WHERE seq = 7`).run(entryMac(auditMacKey(key), rows()[6]?.hash ?? ''));
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 7 });
  });
});
