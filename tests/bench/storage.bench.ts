import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import { personCapability } from '../../main/services/permissions/defaults';
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
import { generateDatabaseKey, type DatabaseKey } from '../../main/services/keys/database-key';
import { auditJournalSuffix, StorageDatabase } from '../../main/services/storage/database';
import { migrate } from '../../main/services/storage/migrate';
import { migrations } from '../../main/services/storage/migrations';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { SettingsService } from '../../main/services/settings/settings-service';
import type { BenchRow, BenchSuite } from './types';
import { formatMs, formatRate, percentile, sortedCopy } from './stats';
import { TimerBatchedSink } from './timer-batched-sink';

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

const sender: Sender = {
  actor: 'bench',
  capability: personCapability('window'),
  emit: () => undefined,
  closed: new AbortController().signal,
};
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
  const audit = new AuditLog({ storage: database, logger, databaseKeys: { current: generateDatabaseKey() } });
  const started = performance.now();
  for (let n = 0; n < appendCount; n++) void audit.append(record(n), { privileged: false });
  audit.flush();
  await database.sync();
  const seconds = (performance.now() - started) / 1000;
  await audit.dispose();
  await database.close();
  return appendCount / seconds;
}

async function openAndMigrate(): Promise<number[]> {
  const place = scratch();
  const key = generateDatabaseKey();
  const seed = StorageDatabase.open({ file: place.file, keys: [key], migrations });
  const audit = new AuditLog({ storage: seed, logger, databaseKeys: { current: key } });
  for (let n = 0; n < existingEntries; n++) void audit.append(record(n), { privileged: false });
  await audit.dispose();
  await seed.close();
  const times: number[] = [];
  for (let run = 0; run < openRuns; run++) {
    const started = performance.now();
    const database = StorageDatabase.open({ file: place.file, keys: [key], migrations });
    const opened = new AuditLog({ storage: database, logger, databaseKeys: { current: generateDatabaseKey() } });
    new SettingsService(database, logger);
    times.push(performance.now() - started);
    await opened.dispose();
    await database.close();
  }
  place.remove();
  return sortedCopy(times);
}

/**
 * `journal`: what ships: each entry written to the audit journal before its reply, the turn's
 * database commit after the replies. `turn`: group commit alone, the reply waiting for the
 * turn's commit (the first fix). `timer`: the 25 ms batch timer of the first release.
 */
type CommitMode = 'journal' | 'turn' | 'timer';
const modes = ['journal', 'turn', 'timer'] as const;

interface RoutedSetup {
  readonly router: Router;
  readonly database: StorageDatabase;
  readonly audit: AuditLog;
  readonly place: ReturnType<typeof scratch>;
  readonly timer: TimerBatchedSink | undefined;
}

/** The database in `file` and its audit log, with the journal as the app has it or without (the modes before it). */
function openAudit(file: string, key: DatabaseKey, journaled: boolean): { database: StorageDatabase; audit: AuditLog } {
  const database = StorageDatabase.open({ file, keys: [key], migrations });
  const audit = new AuditLog({
    storage: database,
    logger,
    databaseKeys: { current: key },
    ...(journaled ? { journalFile: `${file}${auditJournalSuffix}` } : {}),
  });
  return { database, audit };
}

function routedSetup(mode: CommitMode): RoutedSetup {
  const place = scratch();
  const { database, audit } = openAudit(place.file, generateDatabaseKey(), mode === 'journal');
  const timer = mode === 'timer' ? new TimerBatchedSink(audit) : undefined;
  const settings = new SettingsService(database, logger);
  const router = new Router({ audit: timer ?? audit, logger });
  router.register('VoiceCommand', smallHandler);
  router.register('SettingsSet', settingsSetHandler(settings));
  return { router, database, audit, place, timer };
}

async function closeSetup(setup: RoutedSetup): Promise<void> {
  setup.timer?.flush();
  await setup.audit.dispose();
  await setup.database.close();
  setup.place.remove();
}

/**
 * The router with the durable audit, group commit per turn beside the 25 ms timer of before,
 * burst by burst in turn so both see the same machine: small VoiceCommands (idle checkpoints
 * between bursts), then privileged SettingsSets (reply after fdatasync).
 */
interface RoutedResult {
  small: number[];
  privileged: number[];
  checkpoints: number[];
  /** Main-thread time of each audit commit (write + hashing + MAC). */
  commits: number[];
}

async function routed(): Promise<Record<CommitMode, RoutedResult> & { tailCause: TailCause }> {
  const setups = { journal: routedSetup('journal'), turn: routedSetup('turn'), timer: routedSetup('timer') };
  const small: Record<CommitMode, number[]> = { journal: [], turn: [], timer: [] };
  const privileged: Record<CommitMode, number[]> = { journal: [], turn: [], timer: [] };
  for (const setup of Object.values(setups))
    for (let index = 0; index < 2_000; index++) await setup.router.dispatch(voice, sender);
  const pauses = gcPauses();
  const spans: [number, number][] = [];
  for (let burst = 0; burst < bursts; burst++) {
    for (const mode of modes) {
      await sleep(idleGapMs);
      for (let index = 0; index < perBurst; index++) {
        const started = performance.now();
        await setups[mode].router.dispatch(voice, sender);
        const ended = performance.now();
        small[mode].push(ended - started);
        if (mode === 'journal') spans.push([started, ended]);
        // Let timers (the old 25 ms batch flush) run between requests, as they would between real messages.
        if (index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  for (let index = 0; index < privilegedSamples; index++) {
    for (const mode of modes) {
      const message = { type: 'SettingsSet', data: { values: { 'terminal.scrollback': index } } } as const;
      const started = process.hrtime.bigint();
      await setups[mode].router.dispatch(message, sender);
      privileged[mode].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  pauses.stop();
  const tail = slowestSpans(spans, Math.ceil(spans.length / 1000));
  const tailCause: TailCause = {
    slowest: tail.length,
    duringGc: tail.filter(([start, end]) => pauses.list.some((pause) => pause.start < end && pause.end > start)).length,
    scavenges: sortedCopy(pauses.list.map((pause) => pause.end - pause.start)),
  };
  const result = {} as Record<CommitMode, RoutedResult>;
  for (const mode of modes) {
    result[mode] = {
      small: sortedCopy(small[mode]),
      privileged: sortedCopy(privileged[mode]),
      checkpoints: sortedCopy([...setups[mode].database.checkpointDurationsMs]),
      commits: sortedCopy([...setups[mode].audit.commitDurationsMs]),
    };
    await closeSetup(setups[mode]);
  }
  return { ...result, tailCause };
}

/** The slowest requests with the journal (the p99.9 tail) and how many of them overlapped a garbage collection. */
interface TailCause {
  readonly slowest: number;
  readonly duringGc: number;
  /** Every collection's pause during the bursts (both modes run in this process), sorted. */
  readonly scavenges: number[];
}

/** Garbage-collection pauses as performance-timeline intervals, recorded until `stop`. */
function gcPauses(): { list: { start: number; end: number }[]; stop: () => void } {
  const list: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) list.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return { list, stop: () => observer.disconnect() };
}

function slowestSpans(spans: readonly [number, number][], count: number): [number, number][] {
  return [...spans].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, count);
}

/**
 * How long an ordinary (non-privileged) entry is at risk, for each mode: from its append until
 * it is in the WAL (survives a process crash), and for group commit until the fdatasync after
 * that (survives power loss). With group commit the reply waits for the first, so the
 * process-crash window of an acknowledged entry is zero; the figure is the reply's added wait.
 */
async function lossWindows(): Promise<{ journal: number[]; turn: number[]; timer: number[]; synced: number[] }> {
  const place = scratch();
  const { database, audit } = openAudit(place.file, generateDatabaseKey(), false);
  const timerSink = new TimerBatchedSink(audit);
  const journalPlace = scratch();
  const { database: journalDatabase, audit: journalAudit } = openAudit(journalPlace.file, generateDatabaseKey(), true);
  const journal: number[] = [];
  const turn: number[] = [];
  const timer: number[] = [];
  const synced: number[] = [];
  const count = database.db.prepare('SELECT count(*) FROM audit_log').pluck();
  let expected = 0;
  for (let sample = 0; sample < windowSamples; sample++) {
    // Arrive at an arbitrary point of the old flush timer's cycle.
    await sleep(Math.random() * 30);
    const intoJournal = async () => {
      const started = performance.now();
      await journalAudit.append(record(sample), { privileged: false });
      journal.push(performance.now() - started);
    };
    // The journal goes first in every other sample: whichever follows the other's write (and the fdatasync below) pays for the file system's catching up.
    if (sample % 2 === 0) await intoJournal();
    await sleep(1);
    let started = performance.now();
    await audit.append(record(sample), { privileged: false });
    turn.push(performance.now() - started);
    await database.sync();
    synced.push(performance.now() - started);
    if (sample % 2 === 1) await intoJournal();
    expected++;
    started = performance.now();
    void timerSink.append(record(sample), { privileged: false });
    expected++;
    while (count.get() !== expected) await new Promise((resolve) => setTimeout(resolve, 0.2));
    timer.push(performance.now() - started);
  }
  await audit.dispose();
  await database.close();
  place.remove();
  await journalAudit.dispose();
  await journalDatabase.close();
  journalPlace.remove();
  return { journal: sortedCopy(journal), turn: sortedCopy(turn), timer: sortedCopy(timer), synced: sortedCopy(synced) };
}

/** Kills of the crash child per mode; each round dies at a random point of a busy stream. */
const crashRounds = 8;
const childPath = path.join(import.meta.dirname, 'audit-crash-child.ts');

/** Runs the child until it has acknowledged a random number of entries, SIGKILLs it, and counts acknowledged entries missing after reopening. */
async function crashRound(mode: CommitMode): Promise<{ acknowledged: number; lost: number }> {
  const place = scratch();
  const key = generateDatabaseKey();
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, place.file, key.toString('hex'), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged = new Set<number>();
  const killAfter = 500 + Math.floor(Math.random() * 2_000);
  let buffered = '';
  const exited = once(child, 'exit');
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('ack ')) continue;
      acknowledged.add(Number(line.slice(4)));
      if (acknowledged.size === killAfter) child.kill('SIGKILL');
    }
  });
  await exited;
  // Opening the log replays what the journal holds beyond the database, as the app's start does.
  const { database, audit } = openAudit(place.file, key, mode === 'journal');
  const stored = new Set(
    (database.db.prepare('SELECT summary FROM audit_log').pluck().all() as string[]).map(
      (summary) => (JSON.parse(summary) as { n: number }).n,
    ),
  );
  await audit.dispose();
  await database.close();
  place.remove();
  let lost = 0;
  for (const n of acknowledged) if (!stored.has(n)) lost++;
  return { acknowledged: acknowledged.size, lost };
}

async function crashLoss(mode: CommitMode): Promise<{ acknowledged: number; lost: number; roundsLosing: number }> {
  const total = { acknowledged: 0, lost: 0, roundsLosing: 0 };
  for (let round = 0; round < crashRounds; round++) {
    const { acknowledged, lost } = await crashRound(mode);
    total.acknowledged += acknowledged;
    total.lost += lost;
    if (lost > 0) total.roundsLosing++;
  }
  return total;
}

/** `a / b / c` for sorted samples at one percentile, as text. */
function each(samples: readonly number[][], p: number): string {
  return samples.map((sorted) => formatMs(percentile(sorted, p))).join(' / ');
}

const suite: BenchSuite = {
  name: 'storage',
  description:
    "Audit appends into the encrypted database (chacha20) beside the same code on an unencrypted better-sqlite3 file, in the same run; open + migrate of an existing database holding 100,000 entries; the router with the durable audit in place, three ways burst by burst in the same run: with the audit journal (now: the reply waits for the entry's `write()` to the journal, the turn's database commit follows), group commit alone (the reply waits for the turn's commit), and the 25 ms batch timer of the first release, each for a small VoiceCommand (idle checkpoints between bursts) and a privileged SettingsSet (reply after commit and fdatasync); and the acknowledged entries lost when a process appending as fast as it can is SIGKILLed at a random moment (child process, 8 kills per mode; the journal is replayed at reopen, as the app does).",
  findings: [
    'What the p99.9 was made of before the journal, and why the journal is the remedy (2 December 2026):',
    '',
    "- **Garbage-collection pauses.** A young-generation scavenge takes 4–9 ms on these 2 shared cores; with group commit alone 6–8 of the 20 slowest requests overlapped one. Cutting the request path's garbage (one reusable transaction, no sort scratch, one-shot sha256, one abort listener per sender, one promise per request: 13.6 → 11.8 KiB per routed request) took the p99.9 from 10.2 to 7.9 ms; a larger young generation halved the scavenges but not the p99.9.",
    "- **The wait for the turn's commit.** The rest were requests whose reply waited for a commit that took milliseconds (a `write()` to the WAL waiting while ext4 commits its journal), and, over the socket, every reply deferred from the poll phase to the check phase: serve's round-trip p99 was 2.6–4.6 ms when replies waited for the check phase, with or without the commit in it, against 0.9–1.5 ms when they left from the callback that read the request (wire bench, side-by-side runs). A worker thread would not have helped: the reply would still wait for the write wherever it happens.",
    "- **The journal.** Each entry is now sealed and handed to the kernel with one `write()` to `localbrain.db-audit-journal` as it is appended, and the reply waits only for that; the turn's commit to the database follows the replies, and a restart replays what the journal holds beyond the database. The rows above show the effect in one run: routed p99.9 under 1 ms where group commit alone is 7–10 ms, no acknowledged entry lost to SIGKILL. Commits per turn get larger (a burst's requests now finish within one turn, so one commit carries them all), and the hash and MAC move from the commit to the append.",
  ].join('\n'),
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
    const { journal, turn, timer, tailCause } = await routed();
    const windows = await lossWindows();
    const crashJournal = await crashLoss('journal');
    const crashTurn = await crashLoss('turn');
    const crashTimer = await crashLoss('timer');
    const ratio = encrypted / plain;
    const openP50 = percentile(opens, 50);
    const openMax = percentile(opens, 100);
    const p999 = percentile(journal.small, 99.9);
    const small = [journal.small, turn.small, timer.small];
    const commits = [journal.commits, turn.commits, timer.commits];
    const privileged = [journal.privileged, turn.privileged, timer.privileged];
    return [
      { metric: 'audit appends/s, encrypted (chacha20)', value: formatRate(encrypted, 'entries') },
      { metric: 'audit appends/s, plain better-sqlite3', value: formatRate(plain, 'entries') },
      { metric: 'encrypted ÷ plain', value: ratio.toFixed(2), target: '≥ 0.5', pass: ratio >= 0.5 },
      {
        metric: `open + migrate, existing DB of ${existingEntries.toLocaleString('en-US')} entries, p50`,
        value: formatMs(openP50),
      },
      { metric: 'open + migrate, existing DB, worst of 20', value: formatMs(openMax), target: '< 50 ms', pass: openMax < 50 },
      { metric: 'routed VoiceCommand, journal / group commit alone / 25 ms timer, p50', value: each(small, 50) },
      { metric: 'routed VoiceCommand, journal / group commit alone / timer, p99', value: each(small, 99) },
      {
        metric: 'routed VoiceCommand, journal / group commit alone / timer, p99.9',
        value: each(small, 99.9),
        target: '< 2 ms (journal)',
        pass: p999 < 2,
      },
      { metric: 'routed VoiceCommand, journal / group commit alone / timer, max', value: each(small, 100) },
      {
        metric: `the ${tailCause.slowest} slowest requests with the journal (the p99.9 tail): how many overlapped a garbage collection`,
        value: `${tailCause.duringGc} of ${tailCause.slowest}`,
      },
      {
        metric: `garbage-collection pauses during the bursts (${tailCause.scavenges.length}), p50 / max`,
        value: `${formatMs(percentile(tailCause.scavenges, 50))} / ${formatMs(percentile(tailCause.scavenges, 100))}`,
      },
      {
        metric: 'routed SettingsSet (reply after fdatasync), journal / group commit alone / timer, p50 · p99',
        value: `${each(privileged, 50)} · ${each(privileged, 99)}`,
      },
      {
        metric: 'ordinary append → resolved, in the journal (now; the reply waits this long), p50 / max',
        value: `${formatMs(percentile(windows.journal, 50))} / ${formatMs(percentile(windows.journal, 100))}`,
      },
      {
        metric: 'ordinary append → resolved, in the WAL (group commit alone; the reply waited this long), p50 / max',
        value: `${formatMs(percentile(windows.turn, 50))} / ${formatMs(percentile(windows.turn, 100))}`,
      },
      {
        metric: 'ordinary append → in the WAL with the 25 ms timer (first release; the reply did not wait), p50 / max',
        value: `${formatMs(percentile(windows.timer, 50))} / ${formatMs(percentile(windows.timer, 100))}`,
      },
      {
        metric: 'ordinary entry: append → fdatasync done (power-loss window), p50 / max',
        value: `${formatMs(percentile(windows.synced, 50))} / ${formatMs(percentile(windows.synced, 100))}`,
      },
      {
        metric: `acknowledged entries lost to SIGKILL, journal (${crashRounds} kills, ${crashJournal.acknowledged.toLocaleString('en-US')} acknowledged)`,
        value: String(crashJournal.lost),
        target: '0',
        pass: crashJournal.lost === 0,
      },
      {
        metric: `acknowledged entries lost to SIGKILL, group commit alone (${crashTurn.acknowledged.toLocaleString('en-US')} acknowledged)`,
        value: String(crashTurn.lost),
      },
      {
        metric: `acknowledged entries lost to SIGKILL, 25 ms timer (first release; ${crashTimer.acknowledged.toLocaleString('en-US')} acknowledged)`,
        value: `${crashTimer.lost} (in ${crashTimer.roundsLosing} of ${crashRounds} kills)`,
      },
      {
        metric:
          'audit commit on the main thread per turn, journal (the database write; hash and MAC are done at append) / group commit alone / timer (write, hash, MAC), p50 · p99 · max',
        value: `${each(commits, 50)} · ${each(commits, 99)} · ${each(commits, 100)}`,
      },
      {
        metric: `idle checkpoints taken, journal, p50 / max (${journal.checkpoints.length} taken)`,
        value: `${formatMs(percentile(journal.checkpoints, 50))} / ${formatMs(percentile(journal.checkpoints, 100))}`,
      },
    ];
  },
};

export default suite;
