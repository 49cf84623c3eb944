import { buildIfStale } from '../../scripts/build-if-stale.mjs';

/** vitest globalSetup: integration and e2e tests run the built app, so build it when stale. */
export default function setup(): void {
  buildIfStale();
}
