import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';

/** Rounds of the race: the tail sits in the decoder and the batch at the moment of the exit. */
const rounds = 3;

function sessionEvents(events: readonly AppEvent[], sessionId: string): AppEvent[] {
  return events.filter((event) => 'sessionId' in event.data && event.data.sessionId === sessionId);
}

describe('a shell that exits right after an incomplete character, over serve mode', () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    fixture = await startServeFixture();
  });

  afterAll(() => fixture.close());

  it('gets its tail as U+FFFD before PtyExit, and PtyExit is the last event', async () => {
    const { client } = fixture;
    for (let round = 0; round < rounds; round += 1) {
      const reply = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/bin/sh' } });
      if (!reply.ok) throw new Error(reply.error.message);
      const { sessionId } = reply.value;
      // The first two bytes of € and an immediate exit (the repro).
      const write = await client.request({ type: 'PtyWrite', data: { sessionId, data: "printf 'abc\\342\\202'; exit 0\n" } });
      expect(write.ok).toBe(true);
      await client.waitFor(() =>
        client.events.some((event) => event.type === 'PtyExit' && event.data.sessionId === sessionId) ? true : undefined,
      );
      // A frame sent after PtyExit would be here by now: the server writes a client's frames in order.
      const probe = await client.request({ type: 'PtyList', data: {} });
      expect(probe.ok).toBe(true);
      const events = sessionEvents(client.events, sessionId);
      expect(events.at(-1)).toMatchObject({ type: 'PtyExit', data: { exitCode: 0, signal: null } });
      expect(events.filter((event) => event.type === 'PtyExit')).toHaveLength(1);
      const text = events.map((event) => (event.type === 'PtyData' ? event.data.data : '')).join('');
      expect(text.endsWith('abc\ufffd'), JSON.stringify(text.slice(-20))).toBe(true);
    }
  });
});
