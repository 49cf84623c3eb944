import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { onAbort } from '../../../main/ports/abort-fanout';
import { deriveSender, type Sender } from '../../../main/ports/sender';
import { personCapability } from '../../../main/services/permissions/defaults';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function parentSender(): { sender: Sender; close: (reason?: unknown) => void } {
  const controller = new AbortController();
  const sender: Sender = {
    actor: 'window:1',
    capability: personCapability('window'),
    emit: () => undefined,
    closed: controller.signal,
  };
  return { sender, close: (reason) => controller.abort(reason) };
}

async function settledHeap(): Promise<number> {
  for (let round = 0; round < 4; round++) {
    collectGarbage();
    // FinalizationRegistry callbacks run after a collection, in a later task.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('deriveSender', () => {
  it('closes with its parent, and on its own signal, with the reason of whichever came first', () => {
    const parent = parentSender();
    const plan = new AbortController();
    const derived = deriveSender(parent.sender, { actor: 'voice:window:1', signal: plan.signal });
    const second = deriveSender(parent.sender, { actor: 'voice:window:1', signal: new AbortController().signal });
    plan.abort('cancelled');
    expect(derived.closed.aborted).toBe(true);
    expect(derived.closed.reason).toBe('cancelled');
    expect(second.closed.aborted).toBe(false);
    parent.close('window closed');
    expect(second.closed.reason).toBe('window closed');
    expect(deriveSender(parent.sender, { actor: 'late', signal: new AbortController().signal }).closed.aborted).toBe(true);
  });

  it('still closes with its parent long after its plan ended, for whoever holds it (a terminal the plan opened)', async () => {
    const parent = parentSender();
    const held = (() => deriveSender(parent.sender, { actor: 'voice:window:1', signal: new AbortController().signal }))();
    let released = false;
    onAbort(held.closed, () => (released = true));
    await settledHeap();
    parent.close();
    expect(released).toBe(true);
  });

  it('is forgotten by its parent once nobody holds it: 20,000 plans with a listener each leave the heap where it was', async () => {
    const parent = parentSender();
    const before = await settledHeap();
    for (let plan = 0; plan < 20_000; plan++) {
      const derived = deriveSender(parent.sender, { actor: 'voice:window:1', signal: new AbortController().signal });
      // As the router does for every request the plan makes.
      onAbort(derived.closed, () => undefined)();
    }
    const after = await settledHeap();
    // AbortSignal.any kept each of these alive with its window: about 30 MB here.
    expect(after - before).toBeLessThan(2 * 1024 * 1024);
    expect(parent.sender.closed.aborted).toBe(false);
  });
});
