// `node --import ./tests/support/fake-electron/register.mjs out/main/index.js` runs the built
// main process with the stand-in electron module (module.register: Node 20.6 and later).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
