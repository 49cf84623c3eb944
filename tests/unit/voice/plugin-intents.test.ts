import { describe, expect, it } from 'vitest';
import { builtinIntents } from '../../../main/services/voice/builtin-intents';
import { IntentEngine } from '../../../main/services/voice/engine';
import { exampleOf, registerPluginIntents, sayResult } from '../../../main/services/voice/plugin-intents';
import { IntentRegistry } from '../../../main/services/voice/registry';
import type { PlanContext } from '../../../main/services/voice/registry';

const context: PlanContext = { sessions: () => Promise.resolve([]), nextId: (prefix) => `${prefix}-1` };
const lister = {
  list: (folder: string) =>
    Promise.resolve(
      folder === '.'
        ? [
            { name: 'docs', kind: 'directory' as const },
            { name: 'README.md', kind: 'file' as const },
          ]
        : folder === 'docs'
          ? [{ name: 'guide.md', kind: 'file' as const }]
          : [],
    ),
};

function engineWith(utterances: string[]) {
  const registry = new IntentRegistry();
  for (const intent of builtinIntents) registry.registerIntent(intent);
  const contribution = registerPluginIntents(registry, {
    id: 'tool',
    name: 'Tool',
    commands: [{ id: 'go', title: 'Go somewhere', utterances }],
  });
  return { registry, contribution, engine: new IntentEngine(registry, lister) };
}

describe('plugin intents', () => {
  it('plans one PluginRun with the slots as arguments, paths resolved against the roots', async () => {
    const { engine } = engineWith(['measure the file {path} [please]', 'tally {path} in {count} ways', 'tag {path} as {label}']);
    const measured = await engine.understand('measure the file guide', context);
    expect(measured).toMatchObject({
      understood: true,
      intent: 'tool.go',
      draft: {
        steps: [{ message: { type: 'PluginRun', data: { id: 'tool', command: 'go', args: { path: 'docs/guide.md' } } } }],
      },
    });
    expect(await engine.understand('tag the readme as Important Stuff', context)).toMatchObject({
      draft: { steps: [{ message: { data: { args: { path: 'README.md', label: 'Important Stuff' } } } }] },
    });
  });

  it('reports what does not compile and registers the rest; dispose removes them all', () => {
    const { registry, contribution } = engineWith(['broken (phrase', '{path}', '[only] [optional] {x}', 'fine {path}']);
    expect(contribution.problems).toHaveLength(3);
    expect(registry.get('tool.go')?.phrases.map((phrase) => phrase.source)).toEqual(['fine {path}']);
    contribution.dispose();
    expect(registry.get('tool.go')).toBeUndefined();
  });

  it('never takes a sentence a built-in understands equally well', async () => {
    const { engine } = engineWith(['open {path}']);
    expect(await engine.understand('open the readme', context)).toMatchObject({ intent: 'read_file' });
  });

  it('reads a result briefly', () => {
    expect(sayResult('Word count', { words: 123 })).toBe('Word count: 123.');
    expect(sayResult('Word count', 7)).toBe('Word count: 7.');
    expect(sayResult('Tool', { say: 'All good!' })).toBe('All good!');
    expect(sayResult('Tool', { ok: false, error: { code: 'PermissionDenied', message: 'Not allowed' } })).toBe(
      'Tool: Not allowed.',
    );
    expect(sayResult('Tool', { a: 1, b: 'x', c: true, d: 4 })).toBe('Tool: a 1, b x, c true.');
    expect(sayResult('Tool', [1, 2])).toBe('Tool: 2 items.');
    expect(sayResult('Tool', null)).toBe('Tool: done.');
    expect(sayResult('Tool', 'y'.repeat(500)).length).toBeLessThanOrEqual(120);
  });

  it('derives examples from utterances', () => {
    expect(exampleOf('[(show|tell)] [me] word count (of|for|in) {path}')).toBe('word count of <path>');
    expect(exampleOf('(set|change) mode to {m=fast|slow}')).toBe('set mode to fast');
  });
});
