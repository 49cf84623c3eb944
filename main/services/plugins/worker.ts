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
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import type { FaultKind, HostToWorker, SandboxInit, WorkerToHost } from './protocol';

/**
 * Runs first, before the plugin's script. It keeps its own references to JSON, Promise and
 * the host functions, so a plugin that replaces JSON.stringify or Promise.prototype.then
 * breaks only itself; the host receives strings and checks them.
 *
 * An invoke's promise is made here, in the guest: the host answers a call with a ticket
 * (or at once with a refusal's JSON) and later delivers the reply for that ticket. That is
 * fewer crossings between WebAssembly and the host per call than a host-made promise.
 */
const bootstrap = `(function (hostInvoke, hostLog, hostRegister) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const GuestPromise = Promise;
  const commands = new Map();
  const waiting = new Map();
  const api = Object.freeze({
    invoke(message) {
      const ticket = hostInvoke(stringify(message));
      if (typeof ticket === 'string') return new GuestPromise(function (resolve) { resolve(parse(ticket)); });
      return new GuestPromise(function (resolve) { waiting.set(ticket, resolve); });
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
  function run(id, argsText) {
    const handler = commands.get(id);
    if (handler === undefined) return GuestPromise.reject(new Error('no command ' + id));
    return new GuestPromise(function (resolve) { resolve(handler(parse(argsText))); }).then(function (value) {
      const text = stringify(value === undefined ? null : value);
      return text === undefined ? 'null' : text;
    });
  }
  function deliver(ticket, text) {
    const resolve = waiting.get(ticket);
    if (resolve === undefined) return;
    waiting.delete(ticket);
    resolve(parse(text));
  }
  return [run, deliver];
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

/** Assigned by instantiate(), before anything else in this file touches them. */
let runtime: QuickJSRuntime;
let context: QuickJSContext;

/**
 * A fresh instance of the shared compiled module with this worker's own fixed memory.
 * (A function rather than top-level await: the worker is built as CommonJS, which Node
 * starts without its ES module loader.)
 */
async function instantiate(): Promise<void> {
  const memory = new WebAssembly.Memory({ initial: limits.initialPages, maximum: limits.maximumPages });
  const quickjs = await newQuickJSWASMModuleFromVariant(
    newVariant(releaseSyncVariant, { wasmModule: init.wasmModule, wasmMemory: memory }),
  );
  runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(limits.heapBytes);
  runtime.setMaxStackSize(limits.stackBytes);
  runtime.setInterruptHandler(() => {
    if (performance.now() <= deadline) return false;
    interrupted = true;
    return true;
  });
  context = runtime.newContext();
}

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
    // With no job limit it returns only once the queue is empty, or at a job's uncaught error.
    const result = guarded('promise jobs', () => runtime.executePendingJobs(-1), budgetMs);
    if (!result.error) return;
    guestError(result.error);
  }
}

function fail(error: unknown): void {
  if (error instanceof Fault) die(error.kind, error.message);
  else die('abort', error instanceof Error ? error.message : String(error));
}

// --- the guest's door: invoke, log, register -----------------------------------------

/** Tickets of the guest's invokes still waiting for main's reply. */
const pendingInvokes = new Set<number>();
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

/** A guest's invoke: a refusal's JSON text at once, or a ticket whose reply main sends later. */
function hostInvoke(textHandle: QuickJSHandle): QuickJSHandle {
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
  if (text === undefined || refused !== undefined) return context.newString(refused ?? '');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return context.newString(refusal('ValidationFailed', 'invoke takes a message that JSON can represent.'));
  }
  const invokeId = nextInvokeId++;
  pendingInvokes.add(invokeId);
  post({ type: 'invoke', invokeId, message, bytes: Buffer.byteLength(text, 'utf8') });
  return context.newNumber(invokeId);
}

function hostLog(levelHandle: QuickJSHandle, textHandle: QuickJSHandle): void {
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
}

const registered = new Set<string>();
function hostRegister(idHandle: QuickJSHandle): void {
  const id = context.getString(idHandle).slice(0, 64);
  registered.add(id);
  post({ type: 'registered', command: id });
}

let runGuest: QuickJSHandle | undefined;
let deliverGuest: QuickJSHandle | undefined;

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
  const doors = [
    context.newFunction('invoke', hostInvoke),
    context.newFunction('log', hostLog),
    context.newFunction('register', hostRegister),
  ];
  const functions = guarded('bootstrap', () => context.callFunction(factory, context.undefined, ...doors), budget);
  factory.dispose();
  // The guest's bootstrap keeps its own references to the three functions.
  for (const door of doors) door.dispose();
  if (functions.error) throw new Fault('load', guestError(functions.error));
  runGuest = context.getProp(functions.value, 0);
  deliverGuest = context.getProp(functions.value, 1);
  functions.value.dispose();
  const loaded = guarded('loading the plugin', () => context.evalCode(init.source, init.entryName, { type: 'global' }), budget);
  if (loaded.error) throw new Fault('load', guestError(loaded.error));
  loaded.value.dispose();
  drainJobs(budget);
}

/** Hands main's reply to the guest's waiting invoke; its continuation runs in the next drain. */
function deliver(invokeId: number, envelopeJson: string): void {
  const target = deliverGuest;
  if (!target) return;
  const ticket = context.newNumber(invokeId);
  const text = context.newString(envelopeJson);
  const delivered = guarded('reply', () => context.callFunction(target, context.undefined, ticket, text));
  ticket.dispose();
  text.dispose();
  if (delivered.error) guestError(delivered.error);
  else delivered.value.dispose();
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
    // A reply for a call the guest no longer waits for (after a reload or a fault) is dropped.
    if (!pendingInvokes.delete(message.invokeId)) return;
    deliver(message.invokeId, message.envelopeJson);
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

instantiate()
  .then(() => {
    load();
    yieldToMain();
    post({ type: 'ready', commands: [...registered] });
  }, fail)
  .catch(fail);
