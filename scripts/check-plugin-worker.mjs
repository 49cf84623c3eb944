// `npx -y node@24 scripts/check-plugin-worker.mjs .`: checks the built plugin worker (out/main/plugin-worker.cjs)
// under the Node that runs it (Electron 45 embeds Node 24): it loads, runs a command that invokes, and faults a CPU loop.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
const root = path.resolve(process.argv[2] ?? '.');
const require = createRequire(`${root}/package.json`);
const wasmModule = new WebAssembly.Module(readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
const limits = {
  initialPages: 256,
  maximumPages: 2048,
  heapBytes: 96 << 20,
  stackBytes: 256 << 10,
  jobDeadlineMs: 100,
  loadDeadlineMs: 1000,
  maxInFlight: 64,
  invokesPerSecond: 500,
  invokeBurst: 100,
  maxPayloadBytes: 1 << 20,
  logsPerSecond: 50,
  maxLogChars: 2000,
};
const source = `localbrain.commands.register('hi', async (a) => ({ got: await localbrain.invoke({ type: 'X', data: a }), t: typeof require + typeof process }));
localbrain.commands.register('spin', () => { for (;;) {} });`;
const w = new Worker(`${root}/out/main/plugin-worker.cjs`, {
  workerData: { pluginId: 'p', source, entryName: 'index.js', wasmModule, limits },
});
const seen = [];
w.on('message', (m) => {
  seen.push(m.type);
  if (m.type === 'ready') w.postMessage({ type: 'run', callId: 1, command: 'hi', argsJson: '{"n":1}' });
  if (m.type === 'invoke')
    w.postMessage({ type: 'reply', invokeId: m.invokeId, envelopeJson: JSON.stringify({ ok: true, value: m.message }) });
  if (m.type === 'result') {
    console.log('result', m.valueJson);
    w.postMessage({ type: 'run', callId: 2, command: 'spin', argsJson: 'null' });
  }
  if (m.type === 'fault') {
    console.log('fault', m.kind, m.reason);
    console.log(process.version, 'OK', seen.join(','));
    void w.terminate();
  }
});
w.on('error', (e) => {
  console.log('error', e);
  process.exitCode = 1;
});
