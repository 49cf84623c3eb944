import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { PtyService } from '../../../main/services/pty/service';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

/** Rounds of the race: the tail sits in the decoder and the batch at the moment of the exit. */
const rounds = 4;

function sessionEvents(events: readonly AppEvent[], sessionId: string): AppEvent[] {
  return events.filter((event) => 'sessionId' in event.data && event.data.sessionId === sessionId);
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the order of a session’s last events (issue 13, test gap "exit order")', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let service: PtyService;

  beforeEach(async () => {
    workspace = await tempDir();
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    service = new PtyService({
      roots,
      settings: () => ({ defaultShell: '/bin/sh' }),
      env: { PATH: process.env.PATH, HOME: workspace.path },
    });
  });

  afterEach(async () => {
    await service.dispose();
    await workspace.remove();
  });

  it('sends the decoder’s tail and the pending batch before PtyExit, which comes last', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const owner = testSender();
      const session = await service.spawn(owner.sender, { cols: 80, rows: 24 });
      // An incomplete UTF-8 sequence (the first two bytes of €), then an immediate exit.
      session.write("printf 'abc\\342\\202'; exit 0\n");
      await until(() => owner.events.some((event) => event.type === 'PtyExit'));
      // Anything sent after PtyExit would arrive by now.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const events = sessionEvents(owner.events, session.id);
      expect(events.at(-1)).toMatchObject({ type: 'PtyExit', data: { exitCode: 0, signal: null } });
      expect(events.filter((event) => event.type === 'PtyExit')).toHaveLength(1);
      const text = events.map((event) => (event.type === 'PtyData' ? event.data.data : '')).join('');
      expect(text.endsWith('abc\ufffd'), JSON.stringify(text.slice(-20))).toBe(true);
    }
  });
});
