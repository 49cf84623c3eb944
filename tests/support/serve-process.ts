import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import path from 'node:path';
import { serveUrlPrefix, wsPath } from '../../shared/wire';

const servePath = path.resolve(import.meta.dirname, '../../out/main/serve.js');
const readyTimeoutMs = 20_000;

/**
 * The shells a test server starts read the account's rc files, and a developer's (pyenv,
 * nvm, conda…) can take seconds, or wait on a stale lock for a minute. Tests get an empty
 * home of their own, so a terminal is ready as soon as bash is; a test can pass its own HOME.
 */
const quietHome = path.join(tmpdir(), 'localbrain-test-home');
mkdirSync(quietHome, { recursive: true });

export interface ServeProcess {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly wsUrl: string;
  readonly child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function serveArgs(options: { dataDir: string; workspaces: readonly string[]; port?: number }): string[] {
  return [
    servePath,
    '--data-dir',
    options.dataDir,
    ...options.workspaces.flatMap((folder) => ['--workspace', folder]),
    '--port',
    String(options.port ?? 0),
  ];
}

/** Runs the real serve entry point as a child process and waits for its URL line. */
export async function startServe(options: {
  dataDir: string;
  workspaces: readonly string[];
  env?: NodeJS.ProcessEnv;
}): Promise<ServeProcess> {
  const child = spawn(process.execPath, serveArgs(options), {
    env: { ...process.env, HOME: quietHome, LOCALBRAIN_LOG_LEVEL: 'warn', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URL in ${readyTimeoutMs} ms:\n${stderr}`)),
      readyTimeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(serveUrlPrefix));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice(serveUrlPrefix.length).trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL:\n${stderr}`));
    });
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  return {
    url,
    origin: parsed.origin,
    token,
    wsUrl: `ws://${parsed.host}${wsPath}?token=${encodeURIComponent(token)}`,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
      child.kill('SIGTERM');
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      return { code, signal };
    },
  };
}

/** Runs serve expecting it to exit by itself (bad arguments, a bad key); returns what it printed. */
export async function runServeToExit(options: {
  dataDir: string;
  workspaces: readonly string[];
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}): Promise<ServeRun> {
  const child = spawn(process.execPath, [...serveArgs(options), ...(options.extraArgs ?? [])], {
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), readyTimeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
