/** Shared by the PTY bench and the soak test: push N bytes through a real PTY, raw or through the service. */
import { personCapability } from '../../main/services/permissions/defaults';
import { spawn } from 'node-pty';
import { pino } from 'pino';
import type { Sender } from '../../main/ports/sender';
import { PtyService } from '../../main/services/pty/service';
import type { PtySession } from '../../main/services/pty/session';
import { WorkspaceRoots } from '../../main/services/workspace/roots';
import type { AppEvent } from '../../shared/contract';

/** A producer as fast as the machine allows; the TTY turns each \n into \r\n, so more arrives than is written. */
export function producerScript(bytes: number): string {
  return `yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef | head -c ${bytes}`;
}

export interface Throughput {
  readonly received: number;
  readonly seconds: number;
}

/** node-pty on its own as a terminal would use it (decoding UTF-8, its default), counting characters as fast as it can. */
export function rawThroughput(bytes: number): Promise<Throughput> {
  return new Promise((resolve) => {
    const started = performance.now();
    let received = 0;
    const pty = spawn('/bin/sh', ['-c', producerScript(bytes)], {
      cols: 120,
      rows: 40,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    pty.onData((chunk) => (received += chunk.length));
    pty.onExit(() => resolve({ received, seconds: (performance.now() - started) / 1000 }));
  });
}

export interface ServiceRun {
  readonly service: PtyService;
  readonly session: PtySession;
  readonly events: { count: number; chars: number };
  readonly exited: Promise<void>;
}

function sender(onEvent: (event: AppEvent) => void): { sender: Sender; close: () => void } {
  const closed = new AbortController();
  return {
    sender: { actor: 'bench', capability: personCapability('window'), emit: onEvent, closed: closed.signal },
    close: () => closed.abort(),
  };
}

/**
 * The same producer through PtyService: a shell in a workspace, output batched and
 * flow-controlled, to a consumer that acknowledges each batch on the next turn of the
 * event loop (as an acknowledgement crossing IPC would), or never.
 */
export async function serviceRun(bytes: number, workspace: string, acknowledge: boolean): Promise<ServiceRun> {
  const roots = new WorkspaceRoots();
  await roots.grant(workspace);
  const service = new PtyService({ roots, logger: pino({ level: 'silent' }), settings: () => ({ defaultShell: '/bin/sh' }) });
  const events = { count: 0, chars: 0 };
  const holder: { session?: PtySession } = {};
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (resolveExit = resolve));
  const owner = sender((event) => {
    if (event.type === 'PtyExit') resolveExit();
    if (event.type !== 'PtyData') return;
    events.count += 1;
    events.chars += event.data.data.length;
    const chars = event.data.data.length;
    if (acknowledge) setImmediate(() => holder.session?.ack(chars));
  });
  const session = await service.spawn(owner.sender, { cols: 120, rows: 40 });
  holder.session = session;
  session.write(`${producerScript(bytes)}; exit\n`);
  return { service, session, events, exited };
}

export async function serviceThroughput(bytes: number, workspace: string): Promise<Throughput> {
  const started = performance.now();
  const run = await serviceRun(bytes, workspace, true);
  await run.exited;
  const seconds = (performance.now() - started) / 1000;
  await run.service.dispose();
  return { received: run.events.chars, seconds };
}

/** The login shell on bare node-pty, no LocalBrain and no browser: spawn to first output byte, for comparison. */
export async function rawSpawnToFirstByte(shell: string, samples: number): Promise<number[]> {
  const results: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    results.push(
      await new Promise<number>((resolve) => {
        const started = performance.now();
        const pty = spawn(shell, [], { cols: 80, rows: 24, env: { ...process.env, TERM: 'xterm-256color' } });
        const first = pty.onData(() => {
          first.dispose();
          const elapsed = performance.now() - started;
          pty.onExit(() => resolve(elapsed));
          pty.kill('SIGKILL');
        });
      }),
    );
  }
  return results;
}
