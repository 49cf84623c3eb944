import type { MessageType } from '../../shared/contract';
import type { Handler } from '../ipc/router';
import type { PtyService } from '../services/pty/service';

type PtyHandlers = { [K in Extract<MessageType, `Pty${string}`>]: Handler<K> };

/**
 * The PTY messages. Spawn, write, attach and kill run or steer a shell, so they are
 * privileged (their reply waits for a durable audit entry; the write itself does not).
 * Ack, resize, list and rename change nothing a person would audit. Terminal input is
 * never audited: only its length.
 */
export function ptyHandlers(service: PtyService): PtyHandlers {
  return {
    PtySpawn: {
      async run(data, { sender }) {
        const session = await service.spawn(sender, data);
        return { sessionId: session.id, pid: session.pid, shell: session.shell, cwd: session.cwd };
      },
      summarize: (data) => ({ cwd: data.cwd ?? null, shell: data.shell ?? null, cols: data.cols, rows: data.rows }),
      privileged: true,
    },
    PtyWrite: {
      run(data, { sender }) {
        service.owned(sender, data.sessionId).write(data.data);
        return {};
      },
      summarize: (data) => ({ sessionId: data.sessionId, chars: data.data.length }),
      privileged: true,
    },
    PtyResize: {
      run(data, { sender }) {
        service.owned(sender, data.sessionId).resize(data.cols, data.rows);
        return {};
      },
      summarize: (data) => ({ sessionId: data.sessionId, cols: data.cols, rows: data.rows }),
    },
    PtyKill: {
      run(data, { sender }) {
        service.kill(sender, data.sessionId);
        return {};
      },
      summarize: (data) => ({ sessionId: data.sessionId }),
      privileged: true,
    },
    PtyAck: {
      run(data, { sender }) {
        service.owned(sender, data.sessionId).ack(data.bytes);
        return {};
      },
      summarize: (data) => ({ sessionId: data.sessionId, chars: data.bytes }),
    },
    PtyList: {
      run: (_data, { sender }) => ({ sessions: service.list(sender) }),
    },
    PtyAttach: {
      run: (data, { sender }) => service.attach(sender, data.sessionId),
      summarize: (data) => ({ sessionId: data.sessionId }),
      privileged: true,
    },
    PtyRename: {
      run(data, { sender }) {
        service.owned(sender, data.sessionId).title = data.title;
        return {};
      },
      summarize: (data) => ({ sessionId: data.sessionId }),
    },
  };
}
