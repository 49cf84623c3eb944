/** Callbacks waiting on each signal; one real listener per signal serves them all. */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts; the returned function stops waiting. A sender's
 * signal outlives thousands of its requests, and an EventTarget listener added and removed for
 * each of them allocated more than the rest of the router's request path, so each signal gets one
 * listener, added the first time anyone waits on it, that calls whoever is waiting then.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = waiting.get(signal);
  if (callbacks === undefined) {
    const fresh = new Set<() => void>();
    callbacks = fresh;
    waiting.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        const due = [...fresh];
        fresh.clear();
        for (const call of due) call();
      },
      { once: true },
    );
  }
  const registered = callbacks;
  registered.add(callback);
  return () => registered.delete(callback);
}
