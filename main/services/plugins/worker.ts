/**
 * One plugin's worker thread: a QuickJS runtime compiled to WebAssembly, with a fixed
 * WebAssembly.Memory, a CPU deadline per entry into the guest and a stack limit. The
 * guest sees ECMAScript and one global, `localbrain`; everything it asks for goes to the
 * host as JSON text. On any fault the worker reports once and stops touching the
 * WebAssembly instance; the host terminates it and never reuses it.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import quickjsEmscriptenModule from '@jitl/quickjs-wasmfile-release-sync/emscripten-module';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSDeferredPromise,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import type { FaultKind, HostToWorker, SandboxInit, WorkerToHost } from './protocol';

/**
 * Runs first, before the plugin's script. It keeps its own references to JSON and the
 * host functions, so a plugin that replaces JSON.stringify or Promise.prototype.then
 * breaks only itself; the host receives strings and checks them.
 */
const bootstrap = `(function (hostInvoke, hostLog, hostRegister) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const commands = new Map();
  const api = Object.freeze({
    invoke(message) {
      return hostInvoke(stringify(message)).then(function (text) { return parse(text); });
    },
    log(level, text) {
      hostLog(String(level), String(text));
    },
    commands: Object.freeze({
      register(id, handler) {
        if (typeof id !== 'string' || typeof handler !== 'function') {
          throw new TypeError('localbrain.commands.register(id: string, handler: function)');
        }
        commands.set(id, handler);
        hostRegister(id);
      },
    }),
  });
  Object.defineProperty(globalThis, 'localbrain', { value: api, writable: false, configurable: false, enumerable: false });
  return function run(id, argsText) {
    const handler = commands.get(id);
    if (handler === undefined) return Promise.reject(new Error('no command ' + id));
    return new Promise(function (resolve) { resolve(handler(parse(argsText))); }).then(function (value) {
      const text = stringify(value === undefined ? null : value);
      return text === undefined ? 'null' : text;
    });
  };
})`;

/** The lowest priority: a plugin is background work. */
const workerNice = 19;

class Fault extends Error {
  constructor(
    readonly kind: FaultKind,
    message: string,
  ) {
    super(message);
  }
}

const port = parentPort;
if (!port) throw new Error('the plugin worker runs only as a worker thread');
const init = workerData as SandboxInit;
const { limits } = init;

let dead = false;
function post(message: WorkerToHost): void {
  port?.postMessage(message);
}
function die(kind: FaultKind, reason: string): void {
  if (dead) return;
  dead = true;
  post({ type: 'fault', kind, reason });
}

/** Set before every entry into the guest; the interrupt handler stops it, uncatchably, once passed. */
let deadline = Number.POSITIVE_INFINITY;
let interrupted = false;

/**
 * The release sync variant, as `@jitl/quickjs-wasmfile-release-sync` defines it but with
 * static imports: the build bundles them into this one file, which each worker loads
 * without resolving packages or splitting chunks.
 */
const releaseSyncVariant: QuickJSSyncVariant = {
  type: 'sync',
  importFFI: () => Promise.resolve(QuickJSFFI),
  importModuleLoader: () => Promise.resolve(quickjsEmscriptenModule),
};

const memory = new WebAssembly.Memory({ initial: limits.initialPages, maximum: limits.maximumPages });
const quickjs = await newQuickJSWASMModuleFromVariant(
  newVariant(releaseSyncVariant, { wasmModule: init.wasmModule, wasmMemory: memory }),
);
const runtime: QuickJSRuntime = quickjs.newRuntime();
runtime.setMemoryLimit(limits.heapBytes);
runtime.setMaxStackSize(limits.stackBytes);
runtime.setInterruptHandler(() => {
  if (performance.now() <= deadline) return false;
  interrupted = true;
  return true;
});
const context: QuickJSContext = runtime.newContext();

/** Calls into the guest under the CPU deadline and turns interrupts, OOM and traps into a Fault. */
function guarded<T>(what: string, enter: () => T, budgetMs = limits.jobDeadlineMs): T {
  if (dead) throw new Fault('abort', 'the sandbox has stopped');
  deadline = performance.now() + budgetMs;
  let result: T;
  try {
    result = enter();
  } catch (error) {
    // A trap inside WebAssembly (abort, memory that could not grow, native stack overflow) leaves the instance unusable.
    const message = error instanceof Error ? error.message : String(error);
    throw new Fault(/stack/i.test(message) ? 'stack' : /memory/i.test(message) ? 'memory' : 'abort', `${what}: ${message}`);
  } finally {
    deadline = Number.POSITIVE_INFINITY;
  }
  if (interrupted) throw new Fault('cpu', `${what} ran longer than ${budgetMs} ms`);
  return result;
}

function describeGuestError(dumped: unknown): string {
  if (typeof dumped !== 'object' || dumped === null) return String(dumped);
  const { name, message } = dumped as { name?: unknown; message?: unknown };
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : JSON.stringify(dumped)}`;
}

/** An error the guest raised and did not catch: out of memory is a fault; anything else is the guest's own failure. */
function guestError(handle: QuickJSHandle): string {
  const dumped: unknown = context.dump(handle);
  handle.dispose();
  const text = describeGuestError(dumped);
  if (/out of memory/i.test(text)) throw new Fault('memory', text);
  if (/stack overflow/i.test(text)) throw new Fault('stack', text);
  return text.slice(0, limits.maxLogChars);
}

/** Runs queued promise jobs, each batch under the deadline; a microtask loop is a CPU fault. */
function drainJobs(budgetMs = limits.jobDeadlineMs): void {
  for (;;) {
    const result = guarded('promise jobs', () => runtime.executePendingJobs(-1), budgetMs);
    if (result.error) {
      guestError(result.error);
      continue;
    }
    if (!runtime.hasPendingJob()) return;
  }
}

function fail(error: unknown): void {
  if (error instanceof Fault) die(error.kind, error.message);
  else die('abort', error instanceof Error ? error.message : String(error));
}

// --- the guest's door: invoke, log, register -----------------------------------------

const pendingInvokes = new Map<number, QuickJSDeferredPromise>();
let nextInvokeId = 1;
let tokens = limits.invokeBurst;
let refilledAt = performance.now();
let logBudget = limits.logsPerSecond;
let logWindowAt = performance.now();

function takeToken(): boolean {
  const now = performance.now();
  tokens = Math.min(limits.invokeBurst, tokens + ((now - refilledAt) / 1000) * limits.invokesPerSecond);
  refilledAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

/** Refusals are counted and reported at most every 250 ms, so a flood of calls is not a flood of messages to main. */
const refusalReportMs = 250;
let refusedSinceReport = 0;
let reportedAt = 0;
function noteRefused(): void {
  refusedSinceReport += 1;
  const now = performance.now();
  if (now - reportedAt < refusalReportMs) return;
  reportRefusals(now);
}
function reportRefusals(now = performance.now()): void {
  if (refusedSinceReport === 0) return;
  reportedAt = now;
  post({ type: 'refused', count: refusedSinceReport });
  refusedSinceReport = 0;
}

function refusal(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

function settle(deferred: QuickJSDeferredPromise, text: string): void {
  const value = context.newString(text);
  deferred.resolve(value);
  value.dispose();
  deferred.dispose();
}

const hostInvoke = context.newFunction('invoke', (textHandle) => {
  const deferred = context.newPromise();
  const handle = deferred.handle.dup();
  const text = context.typeof(textHandle) === 'string' ? context.getString(textHandle) : undefined;
  let refused: string | undefined;
  if (text === undefined) refused = refusal('ValidationFailed', 'invoke takes a message that JSON can represent.');
  else if (text.length > limits.maxPayloadBytes) {
    refused = refusal('ValidationFailed', `The message is larger than ${limits.maxPayloadBytes} bytes.`);
    noteRefused();
  } else if (pendingInvokes.size >= limits.maxInFlight) {
    refused = refusal('Unavailable', `At most ${limits.maxInFlight} calls may be in flight; await some first.`);
    noteRefused();
  } else if (!takeToken()) {
    refused = refusal('Unavailable', `Too many calls; the limit is ${limits.invokesPerSecond} per second.`);
    noteRefused();
  }
  if (text === undefined || refused !== undefined) {
    settle(deferred, refused ?? '');
    return handle;
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    settle(deferred, refusal('ValidationFailed', 'invoke takes a message that JSON can represent.'));
    return handle;
  }
  const invokeId = nextInvokeId++;
  pendingInvokes.set(invokeId, deferred);
  post({ type: 'invoke', invokeId, message, bytes: Buffer.byteLength(text, 'utf8') });
  return handle;
});

const hostLog = context.newFunction('log', (levelHandle, textHandle) => {
  const now = performance.now();
  if (now - logWindowAt >= 1000) {
    logWindowAt = now;
    logBudget = limits.logsPerSecond;
  }
  if (logBudget <= 0) return;
  logBudget -= 1;
  const level = context.getString(levelHandle).slice(0, 16);
  const text = context.getString(textHandle).slice(0, limits.maxLogChars);
  post({ type: 'log', level, text });
});

const registered = new Set<string>();
const hostRegister = context.newFunction('register', (idHandle) => {
  const id = context.getString(idHandle).slice(0, 64);
  registered.add(id);
  post({ type: 'registered', command: id });
});

let runGuest: QuickJSHandle | undefined;

/** Touches the interpreter's common paths once, so their WebAssembly code is compiled before any 100 ms deadline applies. */
const warmUp = `JSON.parse(JSON.stringify({ a: [1, 'b', { c: null }] }));
  'a b  c'.split(/\\s+/).filter(Boolean).map((word) => word.toUpperCase()).join(' ');
  Promise.resolve(1).then((value) => value + 1);
  new Map([[1, 2]]).get(1); new Set([1]).has(1); Object.keys({ a: 1 }); [3, 1, 2].sort();`;

function load(): void {
  const budget = limits.loadDeadlineMs;
  const warmed = guarded('warm-up', () => context.evalCode(warmUp, 'localbrain-warm-up.js'), budget);
  if (warmed.error) throw new Fault('load', guestError(warmed.error));
  warmed.value.dispose();
  drainJobs(budget);
  const made = guarded('bootstrap', () => context.evalCode(bootstrap, 'localbrain-bootstrap.js'), budget);
  if (made.error) throw new Fault('load', guestError(made.error));
  const factory = made.value;
  const run = guarded(
    'bootstrap',
    () => context.callFunction(factory, context.undefined, hostInvoke, hostLog, hostRegister),
    budget,
  );
  factory.dispose();
  if (run.error) throw new Fault('load', guestError(run.error));
  runGuest = run.value;
  const loaded = guarded('loading the plugin', () => context.evalCode(init.source, init.entryName, { type: 'global' }), budget);
  if (loaded.error) throw new Fault('load', guestError(loaded.error));
  loaded.value.dispose();
  drainJobs(budget);
}

async function runCommand(callId: number, command: string, argsJson: string): Promise<void> {
  const run = runGuest;
  if (!run) return;
  const commandHandle = context.newString(command);
  const argsHandle = context.newString(argsJson);
  const called = guarded(`command ${command}`, () => context.callFunction(run, context.undefined, commandHandle, argsHandle));
  commandHandle.dispose();
  argsHandle.dispose();
  if (called.error) {
    post({ type: 'result', callId, ok: false, message: guestError(called.error) });
    return;
  }
  const settled = context.resolvePromise(called.value);
  called.value.dispose();
  drainJobs();
  const outcome = await settled;
  if (dead) return;
  if (outcome.error) {
    post({ type: 'result', callId, ok: false, message: guestError(outcome.error) });
    return;
  }
  const text = context.typeof(outcome.value) === 'string' ? context.getString(outcome.value) : 'null';
  outcome.value.dispose();
  if (text.length > limits.maxPayloadBytes) {
    post({ type: 'result', callId, ok: false, message: `The result is larger than ${limits.maxPayloadBytes} bytes.` });
    return;
  }
  reportRefusals();
  post({ type: 'result', callId, ok: true, valueJson: text });
}

port.on('message', (message: HostToWorker) => {
  if (dead) return;
  try {
    if (message.type === 'run') {
      runCommand(message.callId, message.command, message.argsJson).catch(fail);
      return;
    }
    const deferred = pendingInvokes.get(message.invokeId);
    // A reply for a call the guest no longer waits for (after a reload or a fault) is dropped.
    if (!deferred) return;
    pendingInvokes.delete(message.invokeId);
    settle(deferred, message.envelopeJson);
    drainJobs();
  } catch (error) {
    fail(error);
  }
});

/**
 * On Linux a nice value is per thread: once loaded (loading has its own budget), this
 * worker yields the CPU to main under contention. Elsewhere setPriority would lower the
 * whole process, so it is left alone there.
 */
function yieldToMain(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(workerNice);
  } catch {
    // Not permitted in some containers; the deadlines still hold.
  }
}

try {
  load();
  yieldToMain();
  post({ type: 'ready', commands: [...registered] });
} catch (error) {
  fail(error);
}
