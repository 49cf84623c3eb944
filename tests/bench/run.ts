/**
 * `npm run bench [-- name …]`: runs every tests/bench/*.bench.ts (or those named), prints
 * each figure beside its target, and rewrites docs/benchmarks.md with the results.
 */
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow, BenchSuite } from './types';

const benchDir = import.meta.dirname;
const docsPath = path.resolve(benchDir, '../../docs/benchmarks.md');
const only = process.argv.slice(2);

function table(rows: readonly BenchRow[]): string {
  const lines = ['| metric | measured | target | meets |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(
      `| ${row.metric} | ${row.value} | ${row.target ?? '—'} | ${row.pass === undefined ? '—' : row.pass ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

async function loadSuites(): Promise<BenchSuite[]> {
  const files = readdirSync(benchDir)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { default: BenchSuite };
    if (module.default.explicitOnly === true) explicitOnlyNames.add(module.default.name);
    const named = only.includes(module.default.name);
    if (named || (only.length === 0 && module.default.explicitOnly !== true)) suites.push(module.default);
  }
  return suites;
}

const explicitOnlyNames = new Set<string>();

async function main(): Promise<void> {
  const suites = await loadSuites();
  const sections: string[] = [];
  let failed = 0;
  for (const suite of suites) {
    console.log(`\n## ${suite.name}\n${suite.description}\n`);
    const rows = await suite.run();
    failed += rows.filter((row) => row.pass === false).length;
    const rendered = table(rows);
    console.log(rendered);
    const findings = suite.findings === undefined ? '' : `\n${suite.findings}\n`;
    if (findings) console.log(findings);
    sections.push(`## ${suite.name}\n\n${suite.description}\n\n${rendered}\n${findings}`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (tests/bench/run.ts); every ratio compares two things measured side by side in the same run.',
    `Last run: ${new Date().toISOString()} on ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    'These machines are shared and noisy: read a single run as an indication, not a verdict.',
    '',
  ].join('\n');
  if (only.length === 0) {
    // A full run rewrites the page but keeps the sections of suites that run only when named (the soak).
    const previous = await readFile(docsPath, 'utf8').catch(() => '');
    const kept = previous
      .split(/\n(?=## )/)
      .filter(
        (section) => section.startsWith('## ') && !sections.some((fresh) => fresh.split('\n')[0] === section.split('\n')[0]),
      )
      .filter((section) => suites.every((suite) => !section.startsWith(`## ${suite.name}\n`)))
      .filter((section) => explicitOnlyNames.has(section.split('\n')[0]?.slice(3) ?? ''));
    await writeFile(docsPath, `${header}\n${[...sections, ...kept.map((section) => `${section.trimEnd()}\n`)].join('\n')}`);
  } else {
    // A partial run replaces only its own sections.
    let existing = await readFile(docsPath, 'utf8').catch(() => header);
    for (const section of sections) {
      const title = section.split('\n')[0] ?? '';
      const start = existing.indexOf(title);
      if (start === -1) existing += `\n${section}`;
      else {
        const next = existing.indexOf('\n## ', start + title.length);
        existing = existing.slice(0, start) + section + (next === -1 ? '' : `\n${existing.slice(next + 1)}`);
      }
    }
    await writeFile(docsPath, existing);
  }
  console.log(failed === 0 ? '\nAll targets met.' : `\n${failed} figure(s) missed their target.`);
}

await main();
