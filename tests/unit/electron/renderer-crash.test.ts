import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recoverFromRendererCrashes, type RenderProcessGoneDetails } from '../../../main/electron/renderer-crash';

/** Stands in for a window's webContents: counts reloads. */
class FakeContents extends EventEmitter {
  reloads = 0;
  destroyed = false;
  isDestroyed() {
    return this.destroyed;
  }
  reload() {
    this.reloads += 1;
  }
  crash(reason = 'crashed') {
    this.emit('render-process-gone', {}, { reason, exitCode: 139 } satisfies RenderProcessGoneDetails);
  }
}

describe('recoverFromRendererCrashes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch(contents: FakeContents) {
    const gaveUp: RenderProcessGoneDetails[] = [];
    const actions: string[] = [];
    const stop = recoverFromRendererCrashes(contents, {
      onCrash: (_details, action) => actions.push(action),
      onGiveUp: (details) => gaveUp.push(details),
      now: () => Date.now(),
    });
    return { stop, gaveUp, actions };
  }

  it('reloads after a short delay that grows with each crash', () => {
    const contents = new FakeContents();
    const { stop } = watch(contents);
    contents.crash();
    vi.advanceTimersByTime(249);
    expect(contents.reloads).toBe(0);
    vi.advanceTimersByTime(1);
    expect(contents.reloads).toBe(1);
    contents.crash('oom');
    vi.advanceTimersByTime(499);
    expect(contents.reloads).toBe(1);
    vi.advanceTimersByTime(1);
    expect(contents.reloads).toBe(2);
    stop();
  });

  it('gives up (error box) on the third crash within a minute, and stops reloading', () => {
    const contents = new FakeContents();
    const { stop, gaveUp, actions } = watch(contents);
    contents.crash();
    vi.advanceTimersByTime(1_000);
    contents.crash();
    vi.advanceTimersByTime(1_000);
    contents.crash('killed');
    vi.advanceTimersByTime(10_000);
    expect(contents.reloads).toBe(2);
    expect(actions).toEqual(['reload', 'reload', 'give-up']);
    expect(gaveUp).toEqual([{ reason: 'killed', exitCode: 139 }]);
    contents.crash();
    vi.advanceTimersByTime(10_000);
    expect(contents.reloads).toBe(2);
    expect(gaveUp).toHaveLength(1);
    stop();
  });

  it('crashes more than a minute apart each get a reload', () => {
    const contents = new FakeContents();
    const { stop, gaveUp } = watch(contents);
    for (let crash = 0; crash < 5; crash += 1) {
      contents.crash();
      vi.advanceTimersByTime(31_000);
    }
    expect(contents.reloads).toBe(5);
    expect(gaveUp).toEqual([]);
    stop();
  });

  it('a clean exit is not a crash; a destroyed window is not reloaded; disposing cancels a pending reload', () => {
    const contents = new FakeContents();
    const { stop } = watch(contents);
    contents.crash('clean-exit');
    vi.advanceTimersByTime(1_000);
    expect(contents.reloads).toBe(0);
    contents.crash();
    contents.destroyed = true;
    vi.advanceTimersByTime(1_000);
    expect(contents.reloads).toBe(0);
    contents.destroyed = false;
    contents.crash();
    stop();
    vi.advanceTimersByTime(5_000);
    expect(contents.reloads).toBe(0);
    expect(contents.listenerCount('render-process-gone')).toBe(0);
  });
});
