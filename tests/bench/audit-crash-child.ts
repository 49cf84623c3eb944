/**
 * Child process for the storage bench's loss-window figure: appends audit entries as fast as
 * the mode allows, prints `ack N` when an entry's append has resolved (the moment its reply
 * would leave), and waits to be SIGKILLed. Modes: `journal` (the audit journal, today), `turn`
 * (group commit alone) and `timer` (the 25 ms batch timer of the first release).
 */
import { pino } from 'pino';
import { AuditLog } from '../../main/services/audit/audit-log';
import { parseHexKey } from '../../main/services/keys/database-key';
import { auditJournalSuffix, StorageDatabase } from '../../main/services/storage/database';
import { migrations } from '../../main/services/storage/migrations';
import { TimerBatchedSink } from './timer-batched-sink';

const [file = '', keyHex = '', mode = 'turn'] = process.argv.slice(2);
/** Appends in flight at once, like a busy router. */
const inFlight = 8;
const key = parseHexKey(keyHex, 'key');
const storage = StorageDatabase.open({ file, keys: [key], migrations });
const log = new AuditLog({
  storage,
  logger: pino({ level: 'silent' }),
  databaseKeys: { current: key },
  ...(mode === 'journal' ? { journalFile: `${file}${auditJournalSuffix}` } : {}),
});
const sink = mode === 'timer' ? new TimerBatchedSink(log) : log;
let next = 0;

async function worker(): Promise<void> {
  for (;;) {
    const n = next++;
    await sink.append(
      { time: Date.now(), actor: 'bench:crash', type: 'VoiceCommand', summary: { n }, outcome: 'ok', durationMs: 0.01 },
      { privileged: false },
    );
    process.stdout.write(`ack ${n}\n`);
    // A request's worth of other work between appends, so turns carry a few entries, not thousands.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: inFlight }, () => worker()));
