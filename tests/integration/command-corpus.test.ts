import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalCommands } from '../../main/services/commands/terminal-commands';
import { WorkspaceRoots } from '../../main/services/workspace/roots';
import { LocalBrainError } from '../../shared/errors';
import { tempDir } from '../support/temp';
import { installed, traceFolder, type TraceFolder } from '../support/trace';

/** GTFOBins' "shell", "command" and "file-write" entries (GPL-3.0, see tests/fixtures/gtfobins/README.md). */
interface CorpusEntry {
  readonly program: string;
  readonly function: string;
  readonly index: number;
  readonly source: string;
  readonly argv: readonly string[];
}
const corpus = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/gtfobins/corpus.json'), 'utf8')) as {
  entries: CorpusEntry[];
};

/**
 * The issue's own examples (each deleted or wrote outside the workspace before the grammar),
 * written with the same placeholders. `proves`: confirming it really leaves the trace here,
 * which shows the policy, not a broken rewrite, is what stopped it.
 */
const issueExamples: readonly { readonly argv: readonly string[]; readonly proves?: true }[] = [
  { argv: ['find', '.', '-maxdepth', '0', '-exec', '{TRACE_CMD}', ';'], proves: true },
  { argv: ['find', '.', '-maxdepth', '0', '-fprintf', '{TRACE}', 'x'], proves: true },
  { argv: ['awk', 'BEGIN { system("{TRACE_CMD}") }'], proves: true },
  { argv: ['tar', 'cf', '/dev/null', '{INPUT}', '--checkpoint=1', '--checkpoint-action=exec={TRACE_CMD}'], proves: true },
  { argv: ['git', '-c', 'alias.x=!{TRACE_CMD}', 'x'], proves: true },
  { argv: ['sed', '-n', '1e {TRACE_CMD}', '{INPUT}'], proves: true },
  { argv: ['sed', '-n', '1w {TRACE}', '{INPUT}'], proves: true },
  { argv: ['vim', '-n', '-es', '-c', ':!{TRACE_CMD}', '-c', ':qa!'], proves: true },
  { argv: ['ex', '-n', '-s', '-c', ':!{TRACE_CMD}', '-c', ':qa!'], proves: true },
  { argv: ['make', '-f', '/dev/null', '--eval=$(shell {TRACE_CMD})'], proves: true },
  { argv: ['touch', '{TRACE}'], proves: true },
  { argv: ['gdb', '-nx', '-batch', '-ex', 'shell {TRACE_CMD}'], proves: true },
  { argv: ['sqlite3', '/dev/null', '.shell {TRACE_CMD}'], proves: true },
  { argv: ['ssh', '-o', 'ProxyCommand={TRACE_CMD}', '-o', 'BatchMode=yes', 'x'], proves: true },
  { argv: ['strace', '-o', '/dev/null', '{TRACE_CMD}'] },
  { argv: ['valgrind', '-q', '{TRACE_CMD}'] },
  { argv: ['perf', 'stat', '-o', '/dev/null', '{TRACE_CMD}'] },
  { argv: ['taskset', '1', '{TRACE_CMD}'], proves: true },
  { argv: ['setarch', 'x86_64', '{TRACE_CMD}'], proves: true },
  { argv: ['stdbuf', '-o0', '{TRACE_CMD}'], proves: true },
  { argv: ['shuf', '-e', 'x', '-o', '{TRACE}'], proves: true },
  { argv: ['script', '-q', '-c', '{TRACE_CMD}', '/dev/null'], proves: true },
  { argv: ['wget', '-o', '{TRACE}', 'http://127.0.0.1:9/'], proves: true },
  { argv: ['env', 'A=1', 'nice', 'timeout', '5', '{TRACE_CMD}'], proves: true },
  { argv: ['xargs', '{TRACE_CMD}'], proves: true },
];

/** Enough time for any of these to start and act; an interactive one is stopped here. */
const commandTimeoutMs = 3_000;

describe('programs that run commands or write files (GTFOBins and the issue) never act without asking', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let trace: TraceFolder;
  let commands: TerminalCommands;
  let input: string;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    workspace = await tempDir();
    trace = await traceFolder();
    input = path.join(workspace.path, 'input.txt');
    await writeFile(input, 'one line\n');
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    commands = new TerminalCommands({ roots });
  });

  afterAll(async () => {
    await workspace.remove();
    await trace.remove();
  });

  async function concrete(id: string, argv: readonly string[]): Promise<string[]> {
    const program = await trace.program(id);
    return argv.map((word) =>
      word.replaceAll('{TRACE_CMD}', program).replaceAll('{TRACE}', trace.file(id)).replaceAll('{INPUT}', input),
    );
  }

  /** Asks the policy; runs the command only if it allowed it. Returns the code that stopped it, or 'ran'. */
  async function attempt(actor: string, argv: readonly string[]): Promise<{ outcome: string; token?: string }> {
    const [cmd = '', ...args] = argv;
    const request = { cmd, args, timeoutMs: commandTimeoutMs };
    try {
      await commands.check(actor, request);
    } catch (error) {
      if (!(error instanceof LocalBrainError)) throw error;
      const token = (error.details as { token?: string } | undefined)?.token;
      return { outcome: error.code, ...(token === undefined ? {} : { token }) };
    }
    await commands.run(request, signal).catch((error: unknown) => {
      if (!(error instanceof LocalBrainError)) throw error;
    });
    return { outcome: 'ran' };
  }

  it('GTFOBins corpus: every installed entry asks or is refused, and leaves no trace', async () => {
    const outcomes: Record<string, string> = {};
    for (const [number, entry] of corpus.entries.entries()) {
      const first = entry.argv[0] === 'env' ? entry.program : (entry.argv[0] ?? '');
      if (!(await installed(first))) continue;
      const id = `g${number}`;
      const { outcome } = await attempt('corpus', await concrete(id, entry.argv));
      outcomes[`${entry.program}/${entry.function}#${entry.index}: ${entry.source}`] = outcome;
      expect({ entry: entry.source, outcome }).toEqual({
        entry: entry.source,
        outcome: expect.stringMatching(/^(ConfirmationRequired|PermissionDenied)$/) as unknown,
      });
    }
    expect(await trace.traces()).toEqual([]);
    // CI runs the same image; a healthy share of the corpus must really have been tried.
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(50);
  }, 60_000);

  it("the issue's examples ask or are refused; confirmed, they do leave their trace (so the corpus bites)", async () => {
    let proved = 0;
    let tried = 0;
    for (const [number, example] of issueExamples.entries()) {
      if (!(await installed(example.argv[0] === 'env' ? 'nice' : (example.argv[0] ?? '')))) continue;
      tried += 1;
      const id = `i${number}`;
      const argv = await concrete(id, example.argv);
      const { outcome, token } = await attempt('issue', argv);
      expect({ argv, outcome }).toEqual({ argv, outcome: 'ConfirmationRequired' });
      expect(await trace.traces()).toEqual([]);
      if (example.proves && token !== undefined) {
        await commands.confirm('issue', token, signal).catch((error: unknown) => {
          if (!(error instanceof LocalBrainError)) throw error;
        });
        const left = await trace.traces();
        expect({ argv, left }).toEqual({ argv, left: [expect.stringMatching(new RegExp(`-${id}$`)) as unknown] });
        await trace.clear();
        proved += 1;
      }
    }
    expect(tried).toBeGreaterThanOrEqual(15);
    expect(proved).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
