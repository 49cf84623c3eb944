// Static scan of the main and preload sources with Electronegativity. The tool exits 0
// even when it finds problems, so this reads its CSV and fails on any finding of medium
// or high severity that the checked-in allowlist does not explain.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const allowlist = JSON.parse(readFileSync(join(root, 'security', 'electronegativity-allowlist.json'), 'utf8'));
const cli = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
const blocking = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);

/** Splits one CSV line with quoted fields. */
function csvFields(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields.map((value) => value.trim());
}

const work = mkdtempSync(join(tmpdir(), 'localbrain-electronegativity-'));
let failures = 0;
try {
  // One tree holding both, so the global checks (CSP, navigation limits, permission handler) see the whole app.
  const scanned = join(work, 'src');
  for (const folder of ['main', 'preload']) cpSync(join(root, folder), join(scanned, folder), { recursive: true });
  {
    const folder = 'main/ and preload/';
    const output = join(work, 'report.csv');
    const result = spawnSync(
      process.execPath,
      [
        cli,
        '-i',
        scanned,
        '-o',
        output,
        '-e',
        electronVersion,
        '-p',
        'decoratorAutoAccessors,explicitResourceManagement',
        '-v',
        'false',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (result.status !== 0 || !existsSync(output)) {
      console.error(`electronegativity failed on ${folder}/ (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
      process.exit(1);
    }
    const [header, ...lines] = readFileSync(output, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    if (!header?.startsWith('issue')) {
      console.error(`electronegativity wrote an unexpected report for ${folder}/:\n${header}`);
      process.exit(1);
    }
    for (const line of lines) {
      const [check, severity, confidence, filename, location, , description] = csvFields(line);
      const file = relative(scanned, filename.startsWith('/') ? filename : join(scanned, filename));
      if (!blocking.has(severity)) continue;
      const allowed = allowlist.find((entry) => entry.check === check && entry.file === file);
      if (allowed) {
        console.log(`allowed  ${severity} ${check} ${file}:${location} — ${allowed.reason}`);
      } else {
        failures += 1;
        console.error(`FINDING  ${severity}/${confidence} ${check} ${file}:${location} — ${description}`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(
    `electronegativity: ${failures} medium or high finding(s); fix them or explain each in security/electronegativity-allowlist.json.`,
  );
  process.exit(1);
}
console.log('electronegativity: no medium or high findings in main/ and preload/.');
