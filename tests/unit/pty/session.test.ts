import { spawn } from 'node-pty';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { defaultFlow, type FlowOptions } from '../../../main/services/pty/flow';
import { PtySession, type SessionExit } from '../../../main/services/pty/session';

interface Run {
  readonly session: PtySession;
  readonly events: AppEvent[];
  readonly exited: Promise<SessionExit>;
}

function start(script: string, options: { flow?: Partial<FlowOptions>; ack?: boolean } = {}): Run {
  const pty = spawn('/bin/sh', ['-c', script], {
    cols: 80,
    rows: 24,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
    encoding: null,
  });
  const events: AppEvent[] = [];
  let resolveExit: (exit: SessionExit) => void = () => undefined;
  const exited = new Promise<SessionExit>((resolve) => (resolveExit = resolve));
  const session = new PtySession({
    id: 's1',
    pty,
    shell: '/bin/sh',
    cwd: process.cwd(),
    cols: 80,
    rows: 24,
    title: 'sh',
    scrollbackChars: 1024,
    flow: { ...defaultFlow, ...options.flow },
    onExit: (_session, exit) => resolveExit(exit),
  });
  session.setSink((event) => {
    events.push(event);
    if (options.ack !== false && event.type === 'PtyData') queueMicrotask(() => session.ack(event.data.data.length));
  });
  return { session, events, exited };
}

function output(events: readonly AppEvent[]): string {
  return events.map((event) => (event.type === 'PtyData' ? event.data.data : '')).join('');
}

describe('PtySession on a real PTY', () => {
  it('delivers every byte of many short-lived producers that write and exit at once', async () => {
    const size = 100_000;
    const runs = 24;
    const received: number[] = [];
    for (let index = 0; index < runs; index += 1) {
      const run = start(`head -c ${size} /dev/zero | tr '\\0' a`);
      await run.exited;
      received.push(output(run.events).length);
    }
    expect(received).toEqual(Array.from({ length: runs }, () => size));
  });

  it('delivers the tail of a producer that exits while paused by a receiver that never acknowledges, once it is acknowledged', async () => {
    // Three windows, so the producer is still writing when the session pauses.
    const size = defaultFlow.highWatermarkChars * 3;
    const run = start(`head -c ${size} /dev/zero | tr '\\0' b`, { ack: false });
    await expect.poll(() => run.session.paused, { timeout: 10_000 }).toBe(true);
    // Acknowledge in a loop, as a slow renderer would.
    const timer = setInterval(() => run.session.ack(run.session.unackedChars), 5);
    await run.exited;
    clearInterval(timer);
    expect(output(run.events).length).toBe(size);
  });

  it('sends PtyExit once, after the last PtyData', async () => {
    const run = start('printf "last words"; exit 3');
    const exit = await run.exited;
    expect(exit).toEqual({ exitCode: 3, signal: null });
    const exits = run.events.filter((event) => event.type === 'PtyExit');
    expect(exits).toHaveLength(1);
    expect(run.events.at(-1)?.type).toBe('PtyExit');
    expect(output(run.events)).toContain('last words');
  });

  it('decodes multibyte characters split across reads without mangling them', async () => {
    // 4,095 bytes of ASCII put each following 4-byte emoji across the PTY's 4 KiB read boundary.
    const run = start(
      `head -c 4095 /dev/zero | tr '\\0' x; i=0; while [ $i -lt 2000 ]; do printf '\\360\\237\\230\\200é'; i=$((i+1)); done`,
    );
    await run.exited;
    const text = output(run.events);
    expect(text).not.toContain('\uFFFD');
    expect(text.slice(4095)).toBe('😀é'.repeat(2000));
  });

  it('keeps what it holds for a receiver that never acknowledges under the high watermark plus one batch, and resumes on ack', async () => {
    const flow = { highWatermarkChars: 20_000, lowWatermarkChars: 1_000, batchMaxChars: 4_096, batchMs: 5 };
    const run = start('yes', { ack: false, flow });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(run.session.paused).toBe(true);
    const heldWhilePaused = output(run.events).length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(output(run.events).length).toBe(heldWhilePaused);
    run.session.ack(run.session.unackedChars);
    expect(run.session.paused).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output(run.events).length).toBeGreaterThan(heldWhilePaused);
    run.session.kill();
    await run.exited;
    // One read from the PTY is at most 64 KiB (libuv's read buffer); the session pauses before the next.
    expect(run.session.peakBufferedChars).toBeGreaterThan(flow.highWatermarkChars);
    expect(run.session.peakBufferedChars).toBeLessThanOrEqual(flow.highWatermarkChars + 64 * 1024);
  });

  it('kill ends a shell that ignores SIGHUP and frees the PTY descriptor', async () => {
    const { readdir } = await import('node:fs/promises');
    const before = (await readdir('/proc/self/fd')).length;
    const run = start("trap '' HUP; while :; do sleep 1; done");
    await new Promise((resolve) => setTimeout(resolve, 100));
    run.session.kill();
    const exit = await run.exited;
    expect(exit.signal).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(before);
  });
});
