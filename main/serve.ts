import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveUrlPrefix } from '../shared/wire';
import { createCore } from './core';
import { createAppLogging } from './logging';
import { takeSecretFromEnvironment } from './services/keys/environment-secret';
import { keyEnvVar, serveKeyStore } from './services/keys/key-file';
import { databaseFileName } from './services/storage/storage';
import { startServeServer } from './transport/serve';
import { appVersion } from './version';

const usage = 'usage: npm run serve -- --data-dir DIR --workspace DIR [--workspace DIR …] [--port N]';

interface ServeArgs {
  dataDir: string;
  workspaces: string[];
  port: number;
}

function parseServeArgs(argv: string[]): ServeArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      workspace: { type: 'string', multiple: true },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const dataDir = values['data-dir'];
  const workspaces = values.workspace ?? [];
  if (dataDir === undefined) throw new Error('--data-dir is required');
  if (workspaces.length === 0) throw new Error('at least one --workspace is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
  return { dataDir, workspaces, port };
}

async function main(): Promise<void> {
  // First of all: out of process.env (no child inherits it) and out of /proc/<pid>/environ (no
  // program of the same user reads it there, a shell in one of our own terminals included).
  const keyFromEnv = takeSecretFromEnvironment(keyEnvVar);
  let args: ServeArgs;
  try {
    args = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`localbrain serve: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const { logger, destination } = createAppLogging();
  await mkdir(args.dataDir, { recursive: true, mode: 0o700 });
  // A key that does not open the database throws here, before the URL is printed and before any write.
  const keyStore = serveKeyStore(
    args.dataDir,
    path.join(args.dataDir, databaseFileName),
    keyFromEnv.value === undefined ? {} : { [keyEnvVar]: keyFromEnv.value },
  );
  if (keyFromEnv.scrub === 'unsupported' || keyFromEnv.scrub === 'failed') {
    logger.warn(
      { scrub: keyFromEnv.scrub },
      `${keyEnvVar} could not be erased from this process's environment block: programs of the same user can read it in /proc/${process.pid}/environ. Prefer the key file (db.key in the data dir).`,
    );
  }
  const core = await createCore({
    keyStore,
    dataDir: args.dataDir,
    workspaces: args.workspaces,
    logger,
    transport: 'serve',
    version: appVersion,
  });
  const detachLogFile = destination.attachFile({ dir: path.join(args.dataDir, 'logs'), key: core.storage.logKey() });
  const server = await startServeServer({
    router: core.router,
    logger,
    rendererDir: fileURLToPath(new URL('../renderer', import.meta.url)),
    port: args.port,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal forces: report what was still stopping and leave now.
      logger.warn({ signal }, 'second signal: exiting without waiting');
      core.forceDispose();
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void server
      .close()
      .then(() => core.dispose())
      .then((report) => {
        logger.info({ totalMs: Math.round(report.totalMs), forced: report.forced, services: report.services }, 'shutdown report');
        detachLogFile();
        process.exit(report.forced ? 1 : 0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`${serveUrlPrefix}${server.url}\n`);
}

main().catch((error: unknown) => {
  console.error(`localbrain serve: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
