import path from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { syncImages } from '../node/project/syncImages.ts';
import { projectFolderProblem } from '../node/project/scanFolder.ts';
import { createProjectService } from '../node/project/projectService.ts';
import { projectMetaRepository } from '../node/db/projectMetaRepository.ts';
import { startServer } from '../server/startServer.ts';
import { CliError, EXIT } from './cliError.ts';
import { PROJECT_DB_NAME } from '../node/project/openProjectFolder.ts';
import type { CliIo } from './main.ts';
import { projectFileArg } from './projectArg.ts';
import { BUNDLED_MODEL_PATH, DEFAULT_PYTHON, PACKAGE_ROOT } from '../node/inference/bundledModel.ts';
import { builderOf, buildState, ensureBuild } from '../node/build/rendererBuild.ts';

export const SERVE_HELP = `Usage: simplepose serve [FOLDER | --project FILE [--root FOLDER]] [--model FILE.onnx] [--port N]
                        [--host 127.0.0.1] [--allow-host NAME]... [--exchange-dir DIR] [--python PATH]
                        [--no-build] [--json]

Serves a project over HTTP on this machine (the app's web mode): the review app (built first when its build is
missing or older than the sources, as npm start does; --no-build serves what is there), the API, server-sent
events and the project's images. The API, the images and the page need the token printed in the
URL; every request must name this server in its Host header; no other page in the browser can use the server.
Only 127.0.0.1 unless --host says otherwise (--host 0.0.0.0 makes the project reachable from the network).
--allow-host: another name of this machine that browsers may use to reach it. --exchange-dir: the only folder the
app's COCO export and import may write or read (default: the project folder). --model: the model detection uses
(default: the bundled one; a project keeps its own choice, made in Settings). --python: the interpreter
Settings → Import checkpoint runs the exporter with (default SIMPLEPOSE_PYTHON or /usr/bin/python3; it needs PyTorch).`;

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      project: { type: 'string' },
      model: { type: 'string' },
      root: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-host': { type: 'string', multiple: true, default: [] },
      'exchange-dir': { type: 'string' },
      python: { type: 'string' },
      build: { type: 'boolean', default: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowNegative: true,
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be 0..65535, got "${values.port}"`, EXIT.usage);
  if (!positionals[0] && !values.project) throw new CliError('give a FOLDER or --project FILE', EXIT.usage);
  const folderProblem = positionals[0] ? projectFolderProblem(positionals[0]) : null;
  if (folderProblem) throw new CliError(folderProblem, EXIT.input);
  const db = openProjectDb(
    values.project ? projectFileArg(values.project) : path.join(positionals[0], PROJECT_DB_NAME),
  );
  const root = positionals[0] ?? values.root ?? projectMetaRepository(db).root();
  if (!root) {
    db.close();
    throw new CliError(`${values.project} does not record its folder yet; add --root FOLDER`, EXIT.usage);
  }
  const sync = await syncImages(db, root);
  io.err(
    `${root}: ${sync.added + sync.unchanged + sync.changed} images (${sync.added} new, ${sync.removed} missing${sync.unreadable.length ? `, ${sync.unreadable.length} unreadable: listed in the app` : ''})`,
  );
  const model = values.model ? path.resolve(values.model) : BUNDLED_MODEL_PATH;
  if (values.model && !existsSync(model)) {
    db.close();
    throw new CliError(`--model ${values.model}: no such file`, EXIT.input);
  }
  const exchangeDir = path.resolve(values['exchange-dir'] ?? root);
  if (!statSync(exchangeDir, { throwIfNoEntry: false })?.isDirectory()) {
    db.close();
    throw new CliError(`--exchange-dir ${values['exchange-dir']}: no such folder`, EXIT.usage);
  }
  if (!isLoopback(values.host))
    io.err(
      `warning: --host ${values.host} makes the project reachable from the network: anyone who can reach this ` +
        'machine and learns the token in the URL can read and change it, over unencrypted HTTP. Use 127.0.0.1 ' +
        '(the default) and an SSH tunnel (ssh -L) to review from another machine.',
    );
  // SIMPLEPOSE_NO_BUILD: the unit tests start many servers at once while the build may be stale (vitest.config.ts).
  const staticDir = prepareReviewApp(PACKAGE_ROOT, values.build && !process.env.SIMPLEPOSE_NO_BUILD, io);
  const service = createProjectService(db, root, {
    modelPath: model,
    exchange: { kind: 'folder', dir: exchangeDir },
    unreadable: sync.unreadable,
    python: values.python ?? DEFAULT_PYTHON,
  });
  const server = await startServer({
    service,
    root,
    host: values.host,
    extraHosts: values['allow-host'],
    port,
    staticDir,
  });
  // Listening for the signals before the URL is printed: whoever reads the URL may stop the server at once.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out(
    values.json
      ? JSON.stringify({ url: server.url, port: server.port, root })
      : `SimplePose Studio web mode: ${server.url}`,
  );
  await stopped;
  // Shutdown: running jobs are cancelled first (their inference workers killed, runs marked cancelled), then the
  // server and the database close. A second signal while that is under way exits at once.
  const force = () => process.exit(EXIT.failed);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await service.shutdown();
  await server.close();
  db.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return EXIT.ok;
}

/** Whether a --host value keeps the server on this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The review app's build folder for `serve`: built first when missing or older than the sources (as npm start
 * does) when the checkout can build it; otherwise one line says what is served and how to build it.
 */
export function prepareReviewApp(root: string, build: boolean, io: CliIo): string {
  const staticDir = path.join(root, 'out', 'renderer');
  const state = buildState(root);
  if (state === 'fresh') return staticDir;
  const how = 'run npm run build (or npm start, which builds it)';
  if (!build || !builderOf(root)) {
    io.err(
      state === 'missing'
        ? `the review app is not built: serving the API only; ${how}`
        : `the review app's build is older than its sources: serving it as it is; ${how}`,
    );
    return staticDir;
  }
  try {
    ensureBuild(root, (l) => io.err(l));
  } catch (e) {
    io.err(
      `${(e as Error).message.split('\n')[0]}: ${state === 'missing' ? 'serving the API only' : 'serving the older build'}; ${how}`,
    );
  }
  return staticDir;
}
