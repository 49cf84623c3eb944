import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HealthSample, HealthSnapshot, HealthWarning } from '../../../shared/contract/health';

/**
 * Setting keys whose values never leave in a diagnostics file: folder names say who a person
 * is and what they work on, and any key, token, address or password is a secret outright.
 * They are replaced by a note of their shape (a count for lists).
 */
const privateSetting = /roots|key|token|secret|password|passphrase|url|endpoint|host|path|shell/i;

export interface DiagnosticsInput {
  readonly appVersion: string;
  readonly transport: string;
  readonly sqlite: { readonly version: string; readonly cipher: string; readonly multipleCiphersVersion?: string };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly health: {
    readonly current: HealthSnapshot;
    readonly history: readonly HealthSample[];
    readonly warnings: readonly HealthWarning[];
    readonly services: readonly { name: string; state: string }[];
  };
  readonly audit: { readonly ok: boolean; readonly checked: number; readonly brokenAt?: number; readonly reason?: string };
  readonly counts: Readonly<Record<string, number>>;
}

function packageVersion(name: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function describeSetting(key: string, value: unknown): unknown {
  if (!privateSetting.test(key)) return value;
  if (Array.isArray(value)) return { redacted: true, count: value.length };
  return { redacted: true, set: value !== '' && value !== undefined && value !== null };
}

/** What a diagnostics file holds: versions, health, settings without secrets, chain status, counts. No contents, keys or tokens. */
export function diagnosticsDocument(input: DiagnosticsInput, now = new Date()): Record<string, unknown> {
  return {
    generatedAt: now.toISOString(),
    versions: {
      app: input.appVersion,
      transport: input.transport,
      node: process.versions.node,
      electron: (process.versions as Partial<Record<string, string>>).electron ?? null,
      v8: process.versions.v8,
      sqlite: input.sqlite.version,
      sqliteCipher: input.sqlite.cipher,
      sqlite3MultipleCiphers: input.sqlite.multipleCiphersVersion ?? null,
      nodePty: packageVersion('node-pty') ?? null,
      betterSqlite3MultipleCiphers: packageVersion('better-sqlite3-multiple-ciphers') ?? null,
      os: { platform: process.platform, type: os.type(), release: os.release(), arch: process.arch },
    },
    health: input.health,
    settings: Object.fromEntries(Object.entries(input.settings).map(([key, value]) => [key, describeSetting(key, value)])),
    audit: input.audit,
    counts: input.counts,
  };
}

/** Writes the document as `<dataDir>/diagnostics/diagnostics-<time>.json`, readable by the owner only. */
export async function writeDiagnostics(
  dataDir: string,
  document: Record<string, unknown>,
  now = new Date(),
): Promise<{ path: string; bytes: number }> {
  const folder = path.join(dataDir, 'diagnostics');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, `diagnostics-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  return { path: file, bytes: Buffer.byteLength(text) };
}
