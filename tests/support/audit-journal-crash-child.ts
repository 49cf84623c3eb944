/**
 * Child process for the audit journal tests: appends `count` ordinary entries in one turn,
 * prints `ack N` as each append resolves (the moment its reply would leave), then SIGKILLs
 * itself in that same turn, before the turn's database commit can run.
 */
import { pino } from 'pino';
import { AuditLog } from '../../main/services/audit/audit-log';
import { parseHexKey } from '../../main/services/keys/database-key';
import { StorageDatabase } from '../../main/services/storage/database';
import { migrations } from '../../main/services/storage/migrations';

const [file = '', journalFile = '', keyHex = '', count = '5'] = process.argv.slice(2);
const key = parseHexKey(keyHex, 'key');
const storage = StorageDatabase.open({ file, keys: [key], migrations });
const log = new AuditLog({ storage, logger: pino({ level: 'silent' }), databaseKeys: { current: key }, journalFile });
const appends = Array.from({ length: Number(count) }, (_, n) =>
  log
    .append(
      { time: Date.now(), actor: 'test:crash', type: 'WorkspaceList', summary: { n }, outcome: 'ok', durationMs: 0.01 },
      { privileged: false },
    )
    .then(() => process.stdout.write(`ack ${n}\n`)),
);
await Promise.all(appends);
process.stdout.write(
  `in the database at the kill: ${String(storage.db.prepare('SELECT count(*) FROM audit_log').pluck().get())}\n`,
);
process.kill(process.pid, 'SIGKILL');
