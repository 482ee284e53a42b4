// npm start: the desktop app on the bundled sample project and model; where Electron cannot start (its binary is
// not installed and cannot be downloaded, or there is no display), one line says why and the same UI is served in
// web mode instead, with its URL printed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureBuild } from './ensureBuild.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProjectFolder, sampleProjectCopy } from '../src/node/project/openProjectFolder.ts';
import { startServer } from '../src/server/startServer.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const webOnly = args.includes('--web');
const folderArg = args.find((a) => !a.startsWith('--'));
const portArg = args.find((a) => a.startsWith('--port='));
const model = path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx');

/** Why Electron cannot start here, or null when it can. */
function whyNoElectron(): string | null {
  const pathTxt = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathTxt))
    return "Electron's binary is not installed (electron@45 downloads it on first run from GitHub, which this machine cannot reach)";
  const exe = path.join(root, 'node_modules', 'electron', 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(exe)) return `Electron's binary is missing (${path.relative(root, exe)})`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return null;
}

try {
  ensureBuild(root);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
const why = webOnly ? 'web mode was asked for (--web)' : whyNoElectron();
if (why === null) {
  const exe = path.join(
    root,
    'node_modules',
    'electron',
    'dist',
    readFileSync(path.join(root, 'node_modules', 'electron', 'path.txt'), 'utf8').trim(),
  );
  const child = spawn(
    exe,
    [path.join(root, 'out', 'main', 'index.js'), ...(folderArg ? [path.resolve(folderArg)] : [])],
    { stdio: 'inherit' },
  );
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`SimplePose Studio: the desktop app cannot start because ${why}; serving the same UI in web mode.`);
  const folder = folderArg
    ? path.resolve(folderArg)
    : sampleProjectCopy(path.join(root, 'resources', 'sample-project'), path.join(root, '.tmp'));
  const project = await openProjectFolder(folder, { modelPath: model });
  const server = await startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(root, 'out', 'renderer'),
    port: portArg ? Number(portArg.slice(7)) : 0,
  });
  console.log(
    `project: ${project.root} (${project.sync.added + project.sync.unchanged + project.sync.changed} images); model: ${path.relative(root, model)}`,
  );
  console.log(`open ${server.url}`);
  const stop = async () => {
    await server.close();
    project.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
