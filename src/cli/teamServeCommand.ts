import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BUNDLED_MODEL_PATH, PACKAGE_ROOT } from '../node/inference/bundledModel.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../node/team/detectQueue.ts';
import { startTeamServer } from '../server/teamServer.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';
import { isLoopback, prepareReviewApp } from './serveCommand.ts';
import { teamArg } from './teamArg.ts';

export const TEAM_SERVE_HELP = `Usage: simplepose team serve --team URL --images FOLDER [--model FILE.onnx] [--host 127.0.0.1] [--port N]
                             [--allow-host NAME]... [--exchange-dir DIR] [--no-build] [--json]

Serves a team project to the review app: people open the printed URL, log in with their account and see the
images their role allows. The shared images folder must hold the project's images at their relative paths.
Plain HTTP on 127.0.0.1 by default: to serve a team, put a TLS proxy in front (nginx or Caddy, see
docs/ARCHITECTURE.md) and pass --allow-host with the name people use; never send passwords over a network
without it. --model: the model "Run detection" queues (default: the bundled one; workers need the same file).
--exchange-dir: the only folder on this machine that exports from the app write into (default: the images folder).`;

export async function teamServeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      team: { type: 'string' },
      images: { type: 'string' },
      model: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-host': { type: 'string', multiple: true, default: [] },
      'exchange-dir': { type: 'string' },
      build: { type: 'boolean', default: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(TEAM_SERVE_HELP);
    return EXIT.ok;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be 0..65535, got "${values.port}"`, EXIT.usage);
  if (!values.images || !statSync(values.images, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(
      `give the shared images folder: --images FOLDER${values.images ? ` (${values.images}: no such folder)` : ''}`,
      EXIT.usage,
    );
  const exchangeDir = path.resolve(values['exchange-dir'] ?? values.images);
  if (!statSync(exchangeDir, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(`--exchange-dir ${values['exchange-dir']}: no such folder`, EXIT.usage);
  const modelPath = path.resolve(values.model ?? BUNDLED_MODEL_PATH);
  if (!existsSync(modelPath)) throw new CliError(`--model ${values.model}: no such file`, EXIT.input);
  if (!isLoopback(values.host))
    io.err(
      `warning: --host ${values.host} serves plain HTTP to the network: logins would cross it unencrypted. Serve on ` +
        '127.0.0.1 behind a TLS proxy (docs/ARCHITECTURE.md) instead.',
    );
  const team = await teamArg(values.team);
  const boss = await startBoss(team.url, DEFAULT_QUEUE_TIMINGS);
  const staticDir = prepareReviewApp(PACKAGE_ROOT, values.build && !process.env.SIMPLEPOSE_NO_BUILD, io);
  const server = await startTeamServer({
    team,
    boss,
    imagesRoot: path.resolve(values.images),
    modelPath,
    exchange: { kind: 'folder', dir: exchangeDir },
    host: values.host,
    port,
    extraHosts: values['allow-host'],
    staticDir,
  }).catch(async (e) => {
    // not listening (a --host or --port it cannot have): the queue and the database let go before the message
    await boss.stop({ graceful: false, wait: true });
    await team.close();
    throw e;
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out(
    values.json
      ? JSON.stringify({ url: server.url, port: server.port })
      : `SimplePose Studio team server: ${server.url}`,
  );
  await stopped;
  await server.close();
  await boss.stop({ graceful: false, wait: true });
  await team.close();
  return EXIT.ok;
}
