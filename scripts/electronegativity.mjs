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
const severities = new Set(['INFORMATIONAL', 'LOW', ...blocking]);
const header = ['issue', 'severity', 'confidence', 'filename', 'location', 'sample', 'description', 'url'];
/**
 * Electronegativity 1.10 writes the CSV header and the rows with two concurrent
 * fs.writeFile calls, so now and then the header lands on top of the first row. A garbled
 * report is rejected and the scan run again, this many times at most.
 */
const maxAttempts = 3;

/** Parses a whole CSV text: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field.trim());
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field.trim());
      if (row.some((value) => value !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  row.push(field.trim());
  if (row.some((value) => value !== '')) rows.push(row);
  return rows;
}

/** The findings of a well-formed report, or undefined when the report is garbled. */
function findingsOf(text) {
  const [first, ...rows] = parseCsv(text);
  if (first?.join(',') !== header.join(',')) return undefined;
  if (rows.some((row) => row.length !== header.length || !severities.has(row[1]))) return undefined;
  return rows.map(([check, severity, confidence, filename, location, , description]) => ({
    check,
    severity,
    confidence,
    filename,
    location,
    description,
  }));
}

function scan(scanned, output) {
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
    console.error(`electronegativity failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  return readFileSync(output, 'utf8');
}

const work = mkdtempSync(join(tmpdir(), 'localbrain-electronegativity-'));
let failures = 0;
try {
  // One tree holding both, so the global checks (CSP, navigation limits, permission handler) see the whole app.
  const scanned = join(work, 'src');
  for (const folder of ['main', 'preload']) cpSync(join(root, folder), join(scanned, folder), { recursive: true });
  let findings;
  for (let attempt = 1; attempt <= maxAttempts && findings === undefined; attempt += 1) {
    const report = scan(scanned, join(work, `report-${attempt}.csv`));
    findings = findingsOf(report);
    if (findings === undefined)
      console.error(`electronegativity wrote a garbled report (attempt ${attempt} of ${maxAttempts}):\n${report}`);
  }
  if (findings === undefined) {
    console.error('electronegativity: no well-formed report; nothing was checked.');
    process.exit(1);
  }
  for (const { check, severity, confidence, filename, location, description } of findings) {
    if (!blocking.has(severity)) continue;
    const file = relative(scanned, filename.startsWith('/') ? filename : join(scanned, filename));
    const allowed = allowlist.find((entry) => entry.check === check && entry.file === file);
    if (allowed) {
      console.log(`allowed  ${severity} ${check} ${file}:${location} — ${allowed.reason}`);
    } else {
      failures += 1;
      console.error(`FINDING  ${severity}/${confidence} ${check} ${file}:${location} — ${description}`);
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
