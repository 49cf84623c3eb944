import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../../shared/contract';
import { planStepTypes } from '../../../shared/contract/voice';
import { IntentEngine } from '../../../main/services/voice/engine';
import { normalizeUtterance } from '../../../main/services/voice/normalize';
import type { PlanContext } from '../../../main/services/voice/registry';
import { splitCommandLine } from '../../../main/services/voice/shell-words';
import { matchKeyword, withinOneEdit } from '../../../main/services/voice/typo';
import type { tempDir } from '../../support/temp';
import { builtinEngine, voiceWorkspace } from './support';

const context = (): PlanContext => {
  let next = 0;
  return { sessions: () => Promise.resolve([]), nextId: (prefix) => `${prefix}-${++next}` };
};

/** Words from the grammar, names from the workspace, shell metacharacters and noise. */
const word = fc.oneof(
  fc.constantFrom(
    'open',
    'opn',
    'terminal',
    'run',
    'in',
    'src',
    'docs',
    'the',
    'readme',
    'delete',
    'create',
    'file',
    'called',
    'find',
    'search',
    'for',
    'list',
    'files',
    'show',
    'me',
    'switch',
    'to',
    'light',
    'theme',
    'font',
    'size',
    'fourteen',
    'please',
    'hey',
    'brain',
    'git',
    'push',
    '-f',
    'rm',
    '-rf',
    '~',
    'sudo',
    ';',
    '&&',
    '|',
    '$(id)',
    '`id`',
    '>',
    'a.txt',
    '../..',
    '/etc/passwd',
    '"',
    "'",
    '\\',
    'verify',
    'audit',
    'log',
    'health',
    'help',
    'move',
    'rename',
    'into',
    'with',
    'sh',
    '-c',
  ),
  fc.string({ maxLength: 12 }),
);
const sentence = fc.array(word, { minLength: 1, maxLength: 24 }).map((words) => words.join(' '));
/** A command line made of words a shell would treat specially. */
const shellish = fc
  .array(
    fc.constantFrom(
      'echo',
      'hi;',
      'id',
      '&&',
      '|',
      'cat',
      '$(whoami)',
      '`id`',
      '>',
      'out',
      '*',
      '~',
      "'a b'",
      '"c d"',
      'x\\ y',
      '-rf',
    ),
    {
      minLength: 1,
      maxLength: 10,
    },
  )
  .map((words) => words.join(' '));

describe('intent engine properties', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let engine: IntentEngine;

  beforeAll(async () => {
    workspace = await voiceWorkspace();
    engine = await builtinEngine(workspace.path);
  });

  afterAll(async () => {
    await workspace.remove();
  });

  it('never yields a step outside the contract: every step is a plan type and parses as its message', async () => {
    await fc.assert(
      fc.asyncProperty(sentence, async (text) => {
        const understanding = await engine.understand(text, context());
        if (!understanding.understood) {
          expect(understanding.suggestions.length).toBeLessThanOrEqual(3);
          return;
        }
        for (const step of understanding.draft.steps) {
          expect(planStepTypes).toContain(step.message.type);
          expect(parseRequest(step.message)).toMatchObject({ ok: true });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets "run …" reach a shell: one TerminalCommand whose words are exactly the line split, and nothing typed into a terminal', async () => {
    await fc.assert(
      fc.asyncProperty(shellish, async (line) => {
        const understanding = await engine.understand(`run ${line}`, context());
        expect(understanding.understood).toBe(true);
        if (!understanding.understood) return;
        const steps = understanding.draft.steps.map((step) => step.message);
        expect(steps.map((message) => message.type)).toEqual(['TerminalCommand']);
        const [message] = steps;
        if (message?.type !== 'TerminalCommand') return;
        expect([message.data.cmd, ...message.data.args]).toEqual(splitCommandLine(line));
      }),
      { numRuns: 300 },
    );
  });
});

describe('normalising, splitting and typos', () => {
  it('drops the wake phrase, fillers and articles, folds number words, and keeps where each word came from', () => {
    const utterance = normalizeUtterance('Hey Brain, um, could you please set the font size to twenty four, thanks!');
    expect(utterance.tokens.map((token) => token.norm)).toEqual(['set', 'font', 'size', 'to', '24']);
    const first = utterance.tokens[0];
    expect(first && utterance.text.slice(first.start, first.end)).toBe('set');
  });

  it('splits a command line like a shell would, and keeps every metacharacter literal', () => {
    expect(splitCommandLine(`echo hi; id`)).toEqual(['echo', 'hi;', 'id']);
    expect(splitCommandLine(`grep "a b" 'c d' e\\ f $(x) \`y\` > z`)).toEqual([
      'grep',
      'a b',
      'c d',
      'e f',
      '$(x)',
      '`y`',
      '>',
      'z',
    ]);
    expect(splitCommandLine(`echo "say \\"hi\\"" ''`)).toEqual(['echo', 'say "hi"', '']);
    expect(() => splitCommandLine(`echo 'open`)).toThrow(/unclosed/);
  });

  it('allows one typo per keyword of four letters or more, and none in shorter ones', () => {
    expect(withinOneEdit('teminal', 'terminal')).toBe(true);
    expect(withinOneEdit('termnial', 'terminal')).toBe(true);
    expect(withinOneEdit('temrinl', 'terminal')).toBe(false);
    expect(matchKeyword('opn', 'open')).toBe('typo');
    expect(matchKeyword('lst', 'list')).toBe('typo');
    expect(matchKeyword('serch', 'search')).toBe('typo');
    expect(matchKeyword('rnu', 'run')).toBeUndefined();
    expect(matchKeyword('run', 'run')).toBe('exact');
  });
});
