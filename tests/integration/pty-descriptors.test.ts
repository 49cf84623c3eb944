import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

/** O_CLOEXEC as /proc/PID/fdinfo shows it in `flags` (octal). */
const closeOnExecBit = 0o2000000;
/** How long a shell that got a forged line is given to run it before the test looks for its trace. */
const attackSettleMs = 1_500;

interface Descriptor {
  readonly fd: number;
  readonly target: string;
}

function outputOf(events: readonly AppEvent[], sessionId: string): string {
  return events
    .filter(
      (event): event is Extract<AppEvent, { type: 'PtyData' }> => event.type === 'PtyData' && event.data.sessionId === sessionId,
    )
    .map((event) => event.data.data)
    .join('');
}

async function spawnShell(client: WsClient, shell: string): Promise<string> {
  const reply = await client.request({ type: 'PtySpawn', data: { cols: 200, rows: 24, shell } });
  if (!reply.ok) throw new Error(`spawn failed: ${reply.error.message}`);
  return reply.value.sessionId;
}

/** Has the shell list its own descriptors (`ls -l /proc/$$/fd`, while the shell waits for ls). */
async function shellDescriptors(client: WsClient, sessionId: string): Promise<Descriptor[]> {
  // Quotes split the marker, so only the output (not the echoed input) holds it whole.
  const script = 'ls -l /proc/$$/fd; echo LB""FD""END\n';
  const write = await client.request({ type: 'PtyWrite', data: { sessionId, data: script } });
  expect(write.ok).toBe(true);
  const output = await client.waitFor(() => {
    const text = outputOf(client.events, sessionId);
    return text.includes('LBFDEND') ? text : undefined;
  });
  return parseLsLong(output);
}

function parseLsLong(text: string): Descriptor[] {
  return text
    .split(/\r?\n/)
    .map((line) => / (\d+) -> (.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ fd: Number(match[1]), target: match[2] ?? '' }));
}

/** `ls -l /proc/self/fd` as a TerminalCommand: the command's own descriptors. */
async function commandDescriptors(client: WsClient): Promise<Descriptor[]> {
  const reply = await client.request({ type: 'TerminalCommand', data: { cmd: 'ls', args: ['-l', '/proc/self/fd'] } });
  if (!reply.ok) throw new Error(`ls failed: ${reply.error.message}`);
  return parseLsLong(reply.value.stdout);
}

describe('descriptors a shell or command inherits from main (issue 13, item 2)', () => {
  let serve: ServeProcess;
  let workspace: { path: string; remove: () => Promise<void> };
  let dataDir: { path: string; remove: () => Promise<void> };
  let home: { path: string; remove: () => Promise<void> };
  let alice: WsClient;
  let bob: WsClient;
  const aliceShells: string[] = [];
  const bobShells: string[] = [];

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    home = await tempDir();
    // The warm spare is /bin/sh, so the attacker's bash below is always a fresh spawn; an empty
    // HOME keeps the machine's own startup files (slow ones, here) out of the shells.
    serve = await startServe({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      env: { SHELL: '/bin/sh', HOME: home.path },
    });
    alice = await WsClient.connect(serve.wsUrl);
    bob = await WsClient.connect(serve.wsUrl);
    // Hold a watcher, so an inotify descriptor is open too.
    expect((await alice.request({ type: 'FileWatch', data: { path: '.' } })).ok).toBe(true);
    // Bob's terminals first: every later shell would inherit their masters on the old code.
    bobShells.push(await spawnShell(bob, '/bin/sh'), await spawnShell(bob, '/bin/bash'));
    aliceShells.push(await spawnShell(alice, '/bin/sh'), await spawnShell(alice, '/bin/bash'));
    bobShells.push(await spawnShell(bob, '/bin/sh'));
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
    await home.remove();
  });

  it('leaves no descriptor of main without close-on-exec', () => {
    const pid = serve.child.pid;
    if (pid === undefined) throw new Error('serve has no pid');
    const open = readdirSync(`/proc/${pid}/fd`).map(Number);
    const targets = open.map((fd) => ({ fd, target: safeReadlink(`/proc/${pid}/fd/${fd}`) }));
    // Sanity: the things that must not leak are really open in main.
    expect(targets.filter((entry) => entry.target.includes('ptmx')).length).toBeGreaterThanOrEqual(5);
    const holds = (test: (target: string) => boolean) => targets.some((entry) => test(entry.target));
    expect(holds((target) => target === path.join(dataDir.path, 'localbrain.db'))).toBe(true);
    expect(holds((target) => target === path.join(dataDir.path, 'localbrain.db-wal'))).toBe(true);
    expect(holds((target) => target.startsWith(path.join(dataDir.path, 'logs')))).toBe(true);
    expect(holds((target) => target.startsWith('socket:'))).toBe(true);
    expect(holds((target) => target === 'anon_inode:inotify')).toBe(true);
    const inheritable = open
      .filter((fd) => fd > 2)
      .map((fd) => ({ fd, target: safeReadlink(`/proc/${pid}/fd/${fd}`), flags: fdinfoFlags(pid, fd) }))
      .filter((entry) => entry.flags !== undefined && (entry.flags & closeOnExecBit) === 0);
    expect(inheritable).toEqual([]);
  });

  it('gives every new shell, of either client, only its own terminal', async () => {
    for (const [client, sessionId] of [
      ...aliceShells.map((id) => [alice, id] as const),
      ...bobShells.map((id) => [bob, id] as const),
    ]) {
      const descriptors = await shellDescriptors(client, sessionId);
      const ownTerminal = descriptors.find((entry) => entry.fd === 0)?.target ?? '';
      expect(ownTerminal).toMatch(/^\/dev\/pts\/\d+$/);
      expect(descriptors.map((entry) => entry.fd)).toEqual(expect.arrayContaining([0, 1, 2]));
      // Shells keep extra copies of their own terminal (bash: 255 on the slave, dash: 10 on /dev/tty).
      const foreign = descriptors.filter((entry) => entry.target !== ownTerminal && entry.target !== '/dev/tty');
      expect(foreign, `session ${sessionId}`).toEqual([]);
    }
  });

  it('gives a TerminalCommand only its stdio', async () => {
    for (const client of [alice, bob]) {
      const descriptors = await commandDescriptors(client);
      expect(descriptors.map((entry) => entry.fd)).toEqual(expect.arrayContaining([0, 1, 2]));
      // ls's own descriptor on the folder it lists is the only one allowed beyond stdio.
      const extra = descriptors.filter((entry) => entry.fd > 2 && !/^\/proc\/\d+\/fd$/.test(entry.target));
      expect(extra).toEqual([]);
      expect(descriptors.find((entry) => entry.fd === 0)?.target).toBe('/dev/null');
    }
  });

  it('stops one client’s shell from typing into another client’s shell', async () => {
    const [attacker] = aliceShells.slice(1);
    if (attacker === undefined) throw new Error('no attacking shell');
    // The repro from the issue: write a command line into every descriptor that is not our own
    // terminal. On the old code those were the masters of Bob's (earlier) sessions.
    const attack =
      `own=$(readlink /proc/$$/fd/0); for f in /proc/$$/fd/*; do n=\${f##*/}; ` +
      `if [ "$n" -gt 2 ] && [ "$(readlink "$f")" != "$own" ]; then ` +
      `printf 'echo pwned; touch %s/pwned-%s\\r' '${workspace.path}' "$n" >&$n; fi; done 2>/dev/null; echo AT""TACKED\n`;
    expect((await alice.request({ type: 'PtyWrite', data: { sessionId: attacker, data: attack } })).ok).toBe(true);
    await alice
      .waitFor(() => (outputOf(alice.events, attacker).includes('ATTACKED') ? true : undefined))
      .catch(() => {
        throw new Error(`the attacking shell printed:\n${outputOf(alice.events, attacker)}`);
      });
    await new Promise((resolve) => setTimeout(resolve, attackSettleMs));
    expect(readdirSync(workspace.path).filter((name) => name.startsWith('pwned'))).toEqual([]);
    for (const sessionId of bobShells) expect(outputOf(bob.events, sessionId)).not.toContain('pwned');
  });
});

function safeReadlink(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return '';
  }
}

function fdinfoFlags(pid: number, fd: number): number | undefined {
  try {
    const match = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 8);
  } catch {
    return undefined;
  }
}
