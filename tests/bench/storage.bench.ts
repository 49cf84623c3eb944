import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { AuditRecord } from '../../main/ports/audit';
import { Router, type Handler } from '../../main/ipc/router';
import type { Sender } from '../../main/ports/sender';
import { settingsSetHandler } from '../../main/handlers/settings';
import { AuditLog } from '../../main/services/audit/audit-log';
import { generateDatabaseKey } from '../../main/services/keys/database-key';
import { StorageDatabase } from '../../main/services/storage/database';
import { migrate } from '../../main/services/storage/migrate';
import { migrations } from '../../main/services/storage/migrations';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { SettingsService } from '../../main/services/settings/settings-service';
import type { BenchRow, BenchSuite } from './types';
import { formatMs, formatRate, percentile, sortedCopy } from './stats';

const logger = pino({ level: 'silent' });
const appendCount = 100_000;
const existingEntries = 100_000;
const openRuns = 20;
/** Bursts of routed requests separated by idle gaps longer than the idle-checkpoint delay (500 ms), so checkpoints happen as they would in use. */
const bursts = 10;
const perBurst = 2_000;
const idleGapMs = 700;
const privilegedSamples = 500;
const windowSamples = 200;

const sender: Sender = { actor: 'bench', capabilities: 'all', emit: () => undefined, closed: new AbortController().signal };
const voice = { type: 'VoiceCommand', data: { text: 'list files', metadata: { source: 'keyboard' } } } as const;
/** A small, unprivileged request whose handler does next to nothing: what is measured is its audit entry. */
const smallHandler: Handler<'VoiceCommand'> = {
  run: () => ({ intent: 'help', understood: true, say: 'hi', plan: { id: 'bench', steps: [] }, results: [] }),
  summarize: (data) => ({ source: data.metadata.source, chars: data.text.length }),
};

function record(n: number): AuditRecord {
  return {
    time: Date.now(),
    actor: 'bench:1',
    type: 'FileOperation',
    summary: { op: 'stat', path: `/home/bench/project/src/file-${n}.ts` },
    outcome: 'ok',
    durationMs: 0.05,
  };
}

function scratch(): { dir: string; file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'localbrain-bench-'));
  return { dir, file: path.join(dir, 'localbrain.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The same database, schema, pragmas and AuditLog code, without a key: the side-by-side baseline. */
function openPlain(file: string): StorageDatabase {
  const db = new SqliteDatabaseConstructor(file);
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  const migration = migrate(db, file, migrations);
  return new StorageDatabase({ db, key: generateDatabaseKey(), keyIndex: 0, migration }, file, logger);
}

async function appendsPerSecond(database: StorageDatabase): Promise<number> {
  const audit = new AuditLog({ storage: database, logger });
  const started = performance.now();
  for (let n = 0; n < appendCount; n++) void audit.append(record(n), { privileged: false });
  audit.flush();
  await database.sync();
  const seconds = (performance.now() - started) / 1000;
  audit.dispose();
  await database.close();
  return appendCount / seconds;
}

async function openAndMigrate(): Promise<number[]> {
  const place = scratch();
  const key = generateDatabaseKey();
  const seed = StorageDatabase.open({ file: place.file, keys: [key], migrations });
  const audit = new AuditLog({ storage: seed, logger });
  for (let n = 0; n < existingEntries; n++) void audit.append(record(n), { privileged: false });
  audit.dispose();
  await seed.close();
  const times: number[] = [];
  for (let run = 0; run < openRuns; run++) {
    const started = performance.now();
    const database = StorageDatabase.open({ file: place.file, keys: [key], migrations });
    const opened = new AuditLog({ storage: database, logger });
    new SettingsService(database, logger);
    times.push(performance.now() - started);
    opened.dispose();
    await database.close();
  }
  place.remove();
  return sortedCopy(times);
}

async function routed(): Promise<{ small: number[]; privileged: number[]; checkpoints: number[] }> {
  const place = scratch();
  const database = StorageDatabase.open({ file: place.file, keys: [generateDatabaseKey()], migrations });
  const audit = new AuditLog({ storage: database, logger });
  const settings = new SettingsService(database, logger);
  const router = new Router({ audit, logger });
  router.register('VoiceCommand', smallHandler);
  router.register('SettingsSet', settingsSetHandler(settings));
  for (let index = 0; index < 2_000; index++) await router.dispatch(voice, sender);
  const small: number[] = [];
  for (let burst = 0; burst < bursts; burst++) {
    await sleep(idleGapMs);
    for (let index = 0; index < perBurst; index++) {
      const started = process.hrtime.bigint();
      await router.dispatch(voice, sender);
      small.push(Number(process.hrtime.bigint() - started) / 1e6);
      // Let timers (the 25 ms batch flush) run between requests, as they would between real messages.
      if (index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const privileged: number[] = [];
  for (let index = 0; index < privilegedSamples; index++) {
    const message = { type: 'SettingsSet', data: { values: { 'terminal.scrollback': index } } } as const;
    const started = process.hrtime.bigint();
    await router.dispatch(message, sender);
    privileged.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const checkpoints = [...database.checkpointDurationsMs];
  audit.dispose();
  await database.close();
  place.remove();
  return { small: sortedCopy(small), privileged: sortedCopy(privileged), checkpoints: sortedCopy(checkpoints) };
}

/**
 * How long an ordinary (non-privileged) entry is at risk: from its append until it is in
 * the WAL (survives a process crash) and until the fdatasync after that (survives power loss).
 */
async function lossWindows(): Promise<{ written: number[]; synced: number[] }> {
  const place = scratch();
  const database = StorageDatabase.open({ file: place.file, keys: [generateDatabaseKey()], migrations });
  const audit = new AuditLog({ storage: database, logger });
  const written: number[] = [];
  const synced: number[] = [];
  for (let sample = 0; sample < windowSamples; sample++) {
    // Arrive at an arbitrary point of the flush timer's cycle.
    await sleep(Math.random() * 30);
    const started = performance.now();
    void audit.append(record(sample), { privileged: false });
    while (audit.pendingCount > 0) await new Promise((resolve) => setTimeout(resolve, 0.2));
    written.push(performance.now() - started);
    await database.sync();
    synced.push(performance.now() - started);
  }
  audit.dispose();
  await database.close();
  place.remove();
  return { written: sortedCopy(written), synced: sortedCopy(synced) };
}

const suite: BenchSuite = {
  name: 'storage',
  description:
    'Audit appends into the encrypted database (chacha20) beside the same code on an unencrypted better-sqlite3 file, in the same run; open + migrate of an existing database holding 100,000 entries; and the router with the durable audit in place: a small VoiceCommand (batched audit, idle checkpoints between bursts) and a privileged SettingsSet (reply after fdatasync).',
  async run(): Promise<BenchRow[]> {
    const encryptedPlace = scratch();
    const plainPlace = scratch();
    const encrypted = await appendsPerSecond(
      StorageDatabase.open({ file: encryptedPlace.file, keys: [generateDatabaseKey()], migrations }),
    );
    const plain = await appendsPerSecond(openPlain(plainPlace.file));
    encryptedPlace.remove();
    plainPlace.remove();
    const opens = await openAndMigrate();
    const { small, privileged, checkpoints } = await routed();
    const windows = await lossWindows();
    const ratio = encrypted / plain;
    const openP50 = percentile(opens, 50);
    const openMax = percentile(opens, 100);
    const p999 = percentile(small, 99.9);
    return [
      { metric: 'audit appends/s, encrypted (chacha20)', value: formatRate(encrypted, 'entries') },
      { metric: 'audit appends/s, plain better-sqlite3', value: formatRate(plain, 'entries') },
      { metric: 'encrypted ÷ plain', value: ratio.toFixed(2), target: '≥ 0.5', pass: ratio >= 0.5 },
      {
        metric: `open + migrate, existing DB of ${existingEntries.toLocaleString('en-US')} entries, p50`,
        value: formatMs(openP50),
      },
      { metric: 'open + migrate, existing DB, worst of 20', value: formatMs(openMax), target: '< 50 ms', pass: openMax < 50 },
      { metric: 'routed VoiceCommand with durable audit, p50', value: formatMs(percentile(small, 50)) },
      { metric: 'routed VoiceCommand with durable audit, p99', value: formatMs(percentile(small, 99)) },
      { metric: 'routed VoiceCommand with durable audit, p99.9', value: formatMs(p999), target: '< 2 ms', pass: p999 < 2 },
      { metric: 'routed VoiceCommand with durable audit, max', value: formatMs(percentile(small, 100)) },
      {
        metric: 'routed SettingsSet (reply after fdatasync), p50 / p99',
        value: `${formatMs(percentile(privileged, 50))} / ${formatMs(percentile(privileged, 99))}`,
      },
      {
        metric: 'ordinary entry: append → in the WAL (process-crash window), p50 / max',
        value: `${formatMs(percentile(windows.written, 50))} / ${formatMs(percentile(windows.written, 100))}`,
      },
      {
        metric: 'ordinary entry: append → fdatasync done (power-loss window), p50 / max',
        value: `${formatMs(percentile(windows.synced, 50))} / ${formatMs(percentile(windows.synced, 100))}`,
      },
      {
        metric: `idle checkpoints taken, p50 / max (${checkpoints.length} taken)`,
        value: `${formatMs(percentile(checkpoints, 50))} / ${formatMs(percentile(checkpoints, 100))}`,
      },
    ];
  },
};

export default suite;
