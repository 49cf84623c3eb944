import { limits } from '../../../shared/limits';
import type { SandboxLimits } from './protocol';

const wasmPageBytes = 64 * 1024;

export const defaultSandboxLimits: SandboxLimits = {
  /** 16 MiB: QuickJS's own default initial memory. */
  initialPages: (16 * 1024 * 1024) / wasmPageBytes,
  /** 128 MiB fixed maximum: QuickJS's setMemoryLimit alone let an array bomb grow WASM memory to 2 GB (quickjs-emscripten #255/#271). */
  maximumPages: (128 * 1024 * 1024) / wasmPageBytes,
  /** 96 MiB: a bomb usually meets a catchable out-of-memory here, with room left for the C stack and QuickJS's own data. */
  heapBytes: 96 * 1024 * 1024,
  /** 256 KiB: measured here, larger limits let deep recursion overflow V8's native stack before QuickJS noticed. */
  stackBytes: 256 * 1024,
  /** 100 ms per entry into the guest: a command's own work is milliseconds; a loop is stopped before anyone notices. */
  jobDeadlineMs: 100,
  /** 1 s to load: the first calls into QuickJS compile its WebAssembly functions, which takes far longer than later calls. */
  loadDeadlineMs: 1_000,
  /** 64 calls in flight per plugin: far more than a command needs, few enough that one plugin cannot crowd the router. */
  maxInFlight: 64,
  /** 500 calls per second with a burst of 100: a busy plugin is fine; a flood is refused in the worker, before main sees it. */
  invokesPerSecond: 500,
  invokeBurst: 100,
  maxPayloadBytes: limits.maxMessageBytes,
  /** 50 log lines per second of up to 2,000 characters: enough to debug, not enough to flood the app's log. */
  logsPerSecond: 50,
  maxLogChars: 2_000,
};

/** Wall-clock deadline of one PluginRun, measured by the host: slow host calls escape the guest's CPU counter. */
export const runDeadlineMs = 5_000;
/** Loading the entry script (worker start, WebAssembly instance, evaluation). */
export const startDeadlineMs = 5_000;
