import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programs } from '../../main/services/commands/programs';
import { TerminalCommands } from '../../main/services/commands/terminal-commands';
import { WorkspaceRoots } from '../../main/services/workspace/roots';
import { LocalBrainError } from '../../shared/errors';
import { tempDir } from '../support/temp';
import { installed, traceFolder, type TraceFolder } from '../support/trace';

/** Programs that wait for input or time (`yes`, `sleep`, `tail -f`) add nothing here but run time. */
const slow = new Set(['yes', 'sleep', 'tail', 'watch', 'perf', 'valgrind', 'wget', 'curl']);
/** Words of the grammars that have their own judge (find's expressions, dd's operands, git's subcommands, sed/awk scripts). */
const extraWords: Readonly<Record<string, readonly string[]>> = {
  find: [
    '-name',
    '*',
    '-type',
    'f',
    '-delete',
    '-exec',
    '-execdir',
    '{}',
    ';',
    '+',
    '-fprint',
    '-fprintf',
    '-print',
    '-quit',
    '-maxdepth',
    '1',
    '-newer',
  ],
  dd: ['if=a.txt', 'of=out', 'count=1', 'bs=1'],
  git: ['status', 'log', 'diff', 'show', '-C', '-c', 'color.ui=always', '--output', '--no-index'],
  sed: ['p', 's/a/b/w', '1w', 'e', '-i', '-n', 'r'],
  awk: ['{ print }', '{ print > "', 'BEGIN { system("', '") }', '-F', ':'],
  tar: ['cf', 'xf', '-C', '-f', 'out.tar', '--remove-files'],
  env: ['LANG=C', 'PAGER=x', '-C', 'touch', 'ls'],
  xargs: ['touch', 'rm', 'echo', '-I'],
  timeout: ['1', 'touch', 'rm'],
  nice: ['touch', 'rm'],
  rm: ['-r', '-f'],
  ln: ['-s'],
};

/** Long enough for any allowed command here; a stray interactive one is stopped. */
const commandTimeoutMs = 2_000;

describe('property: a command the policy allows never touches a path outside the roots', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let trace: TraceFolder;
  let commands: TerminalCommands;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    workspace = await tempDir();
    trace = await traceFolder();
    await writeFile(path.join(workspace.path, 'a.txt'), 'a line\n');
    await mkdir(path.join(workspace.path, 'sub'));
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    commands = new TerminalCommands({ roots });
  });

  afterAll(async () => {
    await workspace.remove();
    await trace.remove();
  });

  it('random argument lists from the table: allowed ones run, and the trace folder stays empty', async () => {
    const program = await trace.program('p');
    const outside = [
      trace.file('abs'),
      path.relative(workspace.path, trace.file('rel')),
      path.join(trace.root, 'traces'),
      program,
    ];
    const inside = ['a.txt', 'sub', 'sub/new', '.', 'out', `${workspace.path}/b.txt`];
    const candidates: [string, string[]][] = [];
    for (const [name, spec] of Object.entries(programs)) {
      if (spec.deny !== undefined || spec.ask !== undefined || slow.has(name) || !(await installed(name))) continue;
      candidates.push([name, [...Object.keys(spec.options ?? {}), ...(extraWords[name] ?? [])]]);
    }
    expect(candidates.length).toBeGreaterThan(60);
    let allowed = 0;
    let asked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...candidates).chain(([name, words]) =>
          fc.tuple(
            fc.constant(name),
            fc.array(
              fc.oneof(
                fc.constantFrom(...(words.length > 0 ? words : ['-'])),
                fc.constantFrom(...inside),
                fc.constantFrom(...outside),
              ),
              {
                maxLength: 6,
              },
            ),
          ),
        ),
        async ([cmd, args]) => {
          const request = { cmd, args, timeoutMs: commandTimeoutMs };
          try {
            await commands.check('property', request);
          } catch (error) {
            if (!(error instanceof LocalBrainError)) throw error;
            asked += 1;
            return;
          }
          allowed += 1;
          await commands.run(request, signal).catch((error: unknown) => {
            if (!(error instanceof LocalBrainError)) throw error;
          });
          expect({ cmd, args, traces: await trace.traces() }).toEqual({ cmd, args, traces: [] });
        },
      ),
      { numRuns: 400 },
    );
    // Both sides were exercised: many allowed commands really ran.
    expect(allowed).toBeGreaterThan(50);
    expect(asked).toBeGreaterThan(50);
  }, 120_000);
});
