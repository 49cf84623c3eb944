import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let compiled: WebAssembly.Module | undefined;

/**
 * QuickJS's WebAssembly code, compiled once and shared by every plugin worker. A Module is
 * code only; each worker instantiates it with its own fresh memory, so no plugin's state is
 * ever reused.
 */
export function quickjsWasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm')),
  );
  return compiled;
}
