/**
 * The messages between the plugin host (main thread) and one plugin's worker. The worker
 * is our code; the plugin's script runs inside QuickJS in it and never sees these.
 */

/** Limits of one sandbox; each number carries its reason in sandbox-limits.ts. */
export interface SandboxLimits {
  /** WebAssembly pages (64 KiB) the worker's fixed memory starts with and may grow to. */
  readonly initialPages: number;
  readonly maximumPages: number;
  /** QuickJS's own heap limit, under the WebAssembly maximum, so most bombs become a catchable out-of-memory error first. */
  readonly heapBytes: number;
  readonly stackBytes: number;
  /** CPU time of one entry into the guest (its load, a command call, a batch of promise jobs). */
  readonly jobDeadlineMs: number;
  /** CPU time of loading: the bootstrap, a warm-up and the plugin's script (WebAssembly code is compiled on first use). */
  readonly loadDeadlineMs: number;
  readonly maxInFlight: number;
  /** Token bucket for `invoke`: sustained calls per second and burst size. */
  readonly invokesPerSecond: number;
  readonly invokeBurst: number;
  /** Largest JSON a guest may pass in or out (the router's message limit). */
  readonly maxPayloadBytes: number;
  readonly logsPerSecond: number;
  readonly maxLogChars: number;
}

export interface SandboxInit {
  readonly pluginId: string;
  readonly source: string;
  readonly entryName: string;
  readonly wasmModule: WebAssembly.Module;
  readonly limits: SandboxLimits;
}

export type HostToWorker =
  | { readonly type: 'run'; readonly callId: number; readonly command: string; readonly argsJson: string }
  | { readonly type: 'reply'; readonly invokeId: number; readonly envelopeJson: string };

export type FaultKind = 'cpu' | 'memory' | 'stack' | 'abort' | 'load' | 'deadline' | 'exit';

export type WorkerToHost =
  | { readonly type: 'ready'; readonly commands: readonly string[] }
  | { readonly type: 'registered'; readonly command: string }
  | { readonly type: 'invoke'; readonly invokeId: number; readonly message: unknown; readonly bytes: number }
  /** Calls the worker refused itself (in flight, rate, size) since its last report. */
  | { readonly type: 'refused'; readonly count: number }
  | { readonly type: 'result'; readonly callId: number; readonly ok: true; readonly valueJson: string }
  | { readonly type: 'result'; readonly callId: number; readonly ok: false; readonly message: string }
  | { readonly type: 'log'; readonly level: string; readonly text: string }
  | { readonly type: 'fault'; readonly kind: FaultKind; readonly reason: string };
