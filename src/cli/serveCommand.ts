import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
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

export const SERVE_HELP = `Usage: simplepose serve [FOLDER | --project FILE [--root FOLDER]] [--model FILE.onnx] [--port N]
                        [--host 127.0.0.1] [--allow-host NAME]... [--exchange-dir DIR] [--json]

Serves a project over HTTP on this machine (the app's web mode): the review app (once built: npm run build), the
API, server-sent events and the project's images. The API, the images and the page need the token printed in the
URL; every request must name this server in its Host header; no other page in the browser can use the server.
Only 127.0.0.1 unless --host says otherwise (--host 0.0.0.0 makes the project reachable from the network).
--allow-host: another name of this machine that browsers may use to reach it. --exchange-dir: the only folder the
app's COCO export and import may write or read (default: the project folder). --model: the model detection uses
(default: the bundled one).`;

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`serve: --port must be 0..65535, got "${values.port}"`, EXIT.usage);
  if (!positionals[0] && !values.project) throw new CliError('serve: give a FOLDER or --project FILE', EXIT.usage);
  const folderProblem = positionals[0] ? projectFolderProblem(positionals[0]) : null;
  if (folderProblem) throw new CliError(folderProblem, EXIT.input);
  const db = openProjectDb(values.project ?? path.join(positionals[0], PROJECT_DB_NAME));
  const root = positionals[0] ?? values.root ?? projectMetaRepository(db).root();
  if (!root) {
    db.close();
    throw new CliError(`serve: ${values.project} does not record its folder yet; add --root FOLDER`, EXIT.usage);
  }
  const sync = await syncImages(db, root);
  io.err(`${root}: ${sync.added + sync.unchanged + sync.changed} images (${sync.added} new, ${sync.removed} missing)`);
  const model = values.model
    ? path.resolve(values.model)
    : path.join(PACKAGE_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
  if (values.model && !existsSync(model)) {
    db.close();
    throw new CliError(`serve: --model ${values.model}: no such file`, EXIT.input);
  }
  const exchangeDir = path.resolve(values['exchange-dir'] ?? root);
  if (!statSync(exchangeDir, { throwIfNoEntry: false })?.isDirectory()) {
    db.close();
    throw new CliError(`serve: --exchange-dir ${values['exchange-dir']}: no such folder`, EXIT.usage);
  }
  if (!isLoopback(values.host))
    io.err(
      `warning: --host ${values.host} makes the project reachable from the network: anyone who can reach this ` +
        'machine and learns the token in the URL can read and change it, over unencrypted HTTP. Use 127.0.0.1 ' +
        '(the default) and an SSH tunnel (ssh -L) to review from another machine.',
    );
  const staticDir = path.join(PACKAGE_ROOT, 'out', 'renderer');
  if (!existsSync(path.join(staticDir, 'index.html')))
    io.err('the review app is not built (npm run build): serving the API only');
  const service = createProjectService(db, root, { modelPath: model, exchange: { kind: 'folder', dir: exchangeDir } });
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
