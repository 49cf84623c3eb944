import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decide, type PolicyContext } from '../../main/services/commands/policy';
import { realPathOfLongestPrefix } from '../../main/services/commands/real-path';
import type { BenchRow, BenchSuite } from './types';
import { formatMs, percentile, sortedCopy } from './stats';

const warmupRounds = 2_000;
const rounds = 20_000;

/** What a sentence, a plugin or the command bar typically sends, allowed and asked alike. */
const typical: readonly (readonly string[])[] = [
  ['ls', '-la'],
  ['cat', 'README.md'],
  ['git', 'status', '--short'],
  ['git', 'log', '--oneline', '-20'],
  ['grep', '-rn', 'TODO', 'src'],
  ['find', '.', '-name', '*.ts', '-type', 'f'],
  ['npm', 'test'],
  ['rm', '-rf', 'build'],
  ['tar', 'czf', 'out.tgz', 'src'],
  ['sed', '-n', '1,20p', 'notes.md'],
  ['find', '.', '-exec', 'rm', '-rf', '/tmp/x', ';'],
  ['env', 'LANG=C', 'nice', '-n', '5', 'timeout', '10', 'sort', '-u', 'a.txt'],
];

function measure(context: PolicyContext): number[] {
  const requests = typical.map(([cmd = '', ...args]) => ({ cmd, args }));
  for (let round = 0; round < warmupRounds; round += 1) for (const request of requests) decide(request, context);
  // Preallocated, so collecting samples does not itself trigger the garbage collector mid-measurement.
  const samples = new Float64Array(rounds * requests.length);
  let next = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const request of requests) {
      const started = process.hrtime.bigint();
      decide(request, context);
      samples[next] = Number(process.hrtime.bigint() - started) / 1e6;
      next += 1;
    }
  }
  return sortedCopy(Array.from(samples));
}

const suite: BenchSuite = {
  name: 'policy',
  description:
    'The TerminalCommand policy decision (`decide`) for twelve typical commands, allowed and asked, one call timed at a time: lexically (as the bench of the grammar itself), and with paths followed through symlinks on a real folder (as TerminalCommands calls it).',
  async run(): Promise<BenchRow[]> {
    const folder = realpathSync(mkdtempSync(path.join(tmpdir(), 'localbrain-policy-bench-')));
    try {
      const lexical: PolicyContext = { cwd: folder, roots: [folder], home: '/home/bench' };
      const real: PolicyContext = { ...lexical, realPath: realPathOfLongestPrefix };
      const plain = measure(lexical);
      const resolved = measure(real);
      const p = (sorted: number[], q: number) => percentile(sorted, q);
      const rows: BenchRow[] = [
        { metric: 'decision p50 (lexical)', value: formatMs(p(plain, 50)) },
        { metric: 'decision p99 (lexical)', value: formatMs(p(plain, 99)), target: '< 50 µs', pass: p(plain, 99) < 0.05 },
        { metric: 'decision p99.9 (lexical)', value: formatMs(p(plain, 99.9)) },
        { metric: 'decision p50 (paths through realpath)', value: formatMs(p(resolved, 50)) },
        { metric: 'decision p99 (paths through realpath)', value: formatMs(p(resolved, 99)) },
      ];
      return await Promise.resolve(rows);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};

export default suite;
