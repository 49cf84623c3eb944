import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Envelope } from '../../../shared/envelope';
import { LocalBrainError } from '../../../shared/errors';
import type { FaultKind, HostToWorker, SandboxInit, SandboxLimits, WorkerToHost } from './protocol';
import { defaultSandboxLimits, runDeadlineMs, startDeadlineMs } from './sandbox-limits';

/** Starts the worker thread; the default runs the built `plugin-worker.cjs` next to the main bundle. */
export type SpawnWorker = (options: WorkerOptions) => Worker;

/** out/main/plugin-worker.cjs, whether this module was bundled into out/main/ itself or into out/main/chunks/. */
export function builtWorkerUrl(): URL {
  const beside = new URL('./plugin-worker.cjs', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../plugin-worker.cjs', import.meta.url);
}

/**
 * The worker's own V8 heap holds only our glue and JSON in transit (the guest lives in its
 * WebAssembly memory), so a small heap is plenty and bounds a runaway message.
 */
const workerResourceLimits = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 } as const;

export interface SandboxOptions {
  readonly pluginId: string;
  readonly source: string;
  readonly entryName: string;
  readonly wasmModule: WebAssembly.Module;
  /** Runs one guest `invoke` through the router as the plugin's sender. */
  readonly dispatch: (message: unknown, byteLength: number, closed: AbortSignal) => Promise<Envelope<unknown>>;
  /** Called once when the sandbox dies by itself (fault, overrun, exit); never after dispose(). */
  readonly onFault: (kind: FaultKind, reason: string) => void;
  readonly onLog?: (level: string, text: string) => void;
  readonly onRefused?: (count: number) => void;
  readonly spawn?: SpawnWorker;
  readonly limits?: Partial<SandboxLimits>;
  readonly runDeadlineMs?: number;
  readonly startDeadlineMs?: number;
}

interface PendingRun {
  readonly callId: number;
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: LocalBrainError) => void;
  timer: NodeJS.Timeout | undefined;
  /** Wall-clock time left when paused (the run waits for the person), else when the timer fires. */
  deadlineAt: number;
  remainingMs: number;
  /** Pauses in force: a run waits for as many answers as it has asks outstanding. */
  paused: number;
}

/**
 * One plugin's sandbox as the main thread sees it: a worker it can cut off at any time.
 * Commands run with a wall-clock deadline; an overrun, a fault or an unexpected exit
 * terminates the worker and fails every call still waiting. A sandbox is never restarted;
 * the plugin host makes a new one.
 */
export class PluginSandbox {
  readonly #options: SandboxOptions;
  readonly #worker: Worker;
  readonly #runs = new Map<number, PendingRun>();
  readonly #closed = new AbortController();
  readonly #commands = new Set<string>();
  #nextCallId = 1;
  #stopped = false;
  #ready: Promise<void>;
  readonly #exited: Promise<void>;

  private constructor(options: SandboxOptions) {
    this.#options = options;
    const init: SandboxInit = {
      pluginId: options.pluginId,
      source: options.source,
      entryName: options.entryName,
      wasmModule: options.wasmModule,
      limits: { ...defaultSandboxLimits, ...options.limits },
    };
    const spawn = options.spawn ?? ((workerOptions: WorkerOptions) => new Worker(builtWorkerUrl(), workerOptions));
    // The guest has no console; anything the worker thread itself prints is dropped rather than mixed into main's stdout (serve's URL line).
    // No inherited execArgv: the worker is plain built JavaScript, and the parent's flags (a loader such as tsx, --inspect,
    // --require hooks) would only run more code in it and, measured here, double its start time.
    this.#worker = spawn({
      workerData: init,
      resourceLimits: workerResourceLimits,
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    this.#worker.stdout.resume();
    this.#worker.stderr.resume();
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    let settleReady: { resolve: () => void; reject: (error: LocalBrainError) => void } | undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    const startTimer = setTimeout(
      () => this.#fault('deadline', `did not load within ${options.startDeadlineMs ?? startDeadlineMs} ms`),
      options.startDeadlineMs ?? startDeadlineMs,
    );
    this.#ready.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );
    this.#onReady = settleReady;
    this.#worker.on('message', (message: WorkerToHost) => this.#receive(message));
    this.#worker.on('error', (error: Error) => this.#fault('abort', error.message));
    this.#worker.on('exit', (code) => this.#fault('exit', `the worker exited (${code})`));
  }

  #onReady: { resolve: () => void; reject: (error: LocalBrainError) => void } | undefined;

  /** Starts a worker and loads the plugin's script; rejects (and terminates it) if loading faults or takes too long. */
  static async start(options: SandboxOptions): Promise<PluginSandbox> {
    const sandbox = new PluginSandbox(options);
    await sandbox.#ready;
    return sandbox;
  }

  get commands(): ReadonlySet<string> {
    return this.#commands;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs a registered command with JSON arguments; its JSON result, or a LocalBrainError. */
  run(command: string, args: unknown): Promise<unknown> {
    if (this.#stopped) return Promise.reject(new LocalBrainError('Unavailable', 'The plugin is not running.'));
    const argsJson = JSON.stringify(args ?? null);
    const callId = this.#nextCallId++;
    const deadlineMs = this.#options.runDeadlineMs ?? runDeadlineMs;
    return new Promise((resolve, reject) => {
      const pending: PendingRun = {
        callId,
        command,
        resolve,
        reject,
        timer: undefined,
        deadlineAt: 0,
        remainingMs: deadlineMs,
        paused: 0,
      };
      this.#runs.set(callId, pending);
      this.#arm(pending);
      this.#post({ type: 'run', callId, command, argsJson });
    });
  }

  /** The number of commands running now (a finished or failed one is gone, its deadline timer with it). */
  get running(): number {
    return this.#runs.size;
  }

  /**
   * Stops the wall-clock deadline of every command running now, while the person decides
   * about one of the plugin's asks; the worker is idle meanwhile (the guest awaits a host
   * promise), and the wait is bounded by the confirmation's own expiry. The returned
   * function resumes them with the time they had left (once; later calls do nothing).
   */
  pauseDeadline(): () => void {
    const now = Date.now();
    const paused = [...this.#runs.values()];
    for (const pending of paused) {
      if (pending.paused++ > 0) continue;
      clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.remainingMs = Math.max(0, pending.deadlineAt - now);
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      for (const pending of paused) {
        if (--pending.paused > 0 || this.#stopped || this.#runs.get(pending.callId) !== pending) continue;
        this.#arm(pending);
      }
    };
  }

  #arm(pending: PendingRun): void {
    pending.deadlineAt = Date.now() + pending.remainingMs;
    pending.timer = setTimeout(() => {
      this.#fault(
        'deadline',
        `command ${pending.command} did not finish within ${this.#options.runDeadlineMs ?? runDeadlineMs} ms`,
      );
    }, pending.remainingMs);
  }

  /** Stops the worker: calls still waiting end with Unavailable, in-flight host calls are aborted. */
  async dispose(reason = 'The plugin was stopped.'): Promise<void> {
    this.#stop(new LocalBrainError('Unavailable', reason));
    await this.#worker.terminate();
    await this.#exited;
  }

  #post(message: HostToWorker): void {
    if (!this.#stopped) this.#worker.postMessage(message);
  }

  #receive(message: WorkerToHost): void {
    if (this.#stopped) return;
    switch (message.type) {
      case 'ready':
        for (const command of message.commands) this.#commands.add(command);
        this.#onReady?.resolve();
        return;
      case 'registered':
        this.#commands.add(message.command);
        return;
      case 'invoke':
        this.#invoke(message.invokeId, message.message, message.bytes);
        return;
      case 'refused':
        this.#options.onRefused?.(message.count);
        return;
      case 'log':
        this.#options.onLog?.(message.level, message.text);
        return;
      case 'result': {
        const pending = this.#runs.get(message.callId);
        if (!pending) return;
        this.#runs.delete(message.callId);
        clearTimeout(pending.timer);
        if (!message.ok) {
          // The plugin's own failure, not LocalBrain's: reported as Unavailable with the plugin's message.
          pending.reject(
            new LocalBrainError('Unavailable', `The plugin's command failed: ${message.message}`, {
              pluginError: message.message,
            }),
          );
          return;
        }
        try {
          pending.resolve(JSON.parse(message.valueJson));
        } catch {
          pending.reject(new LocalBrainError('Serialization', 'The plugin returned a value that is not JSON.'));
        }
        return;
      }
      case 'fault':
        this.#fault(message.kind, message.reason);
        return;
    }
  }

  #invoke(invokeId: number, message: unknown, bytes: number): void {
    this.#options.dispatch(message, bytes, this.#closed.signal).then(
      (envelope) => this.#post({ type: 'reply', invokeId, envelopeJson: JSON.stringify(envelope) }),
      () =>
        this.#post({
          type: 'reply',
          invokeId,
          envelopeJson: JSON.stringify({ ok: false, error: { code: 'Internal', message: 'The call failed.' } }),
        }),
    );
  }

  #fault(kind: FaultKind, reason: string): void {
    if (this.#stopped) return;
    // A wall-clock overrun is the caller's Timeout; every other fault means the plugin is gone.
    const error = new LocalBrainError(
      kind === 'deadline' ? 'Timeout' : 'Unavailable',
      `The plugin ${this.#options.pluginId} stopped: ${reason}.`,
      {
        fault: kind,
      },
    );
    this.#stop(error);
    void this.#worker.terminate();
    this.#options.onFault(kind, reason);
  }

  #stop(error: LocalBrainError): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closed.abort(error);
    this.#onReady?.reject(error);
    for (const pending of this.#runs.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#runs.clear();
  }
}
