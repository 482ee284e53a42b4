// `simplepose serve` after `npm ci` alone served 404 for the app: it now builds the review app when its build is
// missing or older than the sources (as npm start does), and where it cannot, one line says what it serves and how
// to build it. A checkout stand-in with a stand-in build tool (a script writing out/renderer/index.html) keeps the
// test off the real out/.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareReviewApp } from '../../src/cli/serveCommand.ts';
import { buildState, ensureBuild } from '../../src/node/build/rendererBuild.ts';

function checkout(withBuilder: boolean): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-build-'));
  mkdirSync(path.join(root, 'src', 'renderer'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'renderer', 'main.tsx'), '// the app');
  if (withBuilder) {
    const bin = path.join(root, 'node_modules', 'electron-vite', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      path.join(bin, 'electron-vite.js'),
      `const fs = require('node:fs'); fs.mkdirSync('out/renderer', { recursive: true }); fs.writeFileSync('out/renderer/index.html', '<p>built</p>');`,
    );
    writeFileSync(path.join(root, 'node_modules', 'electron-vite', 'package.json'), '{"type":"commonjs"}');
  }
  return root;
}
const io = () => {
  const err: string[] = [];
  return { io: { out: () => undefined, err: (l: string) => err.push(l) }, err };
};

describe('serve prepares the review app', () => {
  it('builds it when the build is missing, then serves it; a fresh build is left alone', () => {
    const root = checkout(true);
    expect(buildState(root)).toBe('missing');
    const { io: o, err } = io();
    expect(prepareReviewApp(root, true, o)).toBe(path.join(root, 'out', 'renderer'));
    expect(err).toEqual(['building the app (electron-vite build)…']);
    expect(buildState(root)).toBe('fresh');
    const again = io();
    prepareReviewApp(root, true, again.io);
    expect(again.err).toEqual([]);
  });

  it('rebuilds a stale build; --no-build, or a checkout without the build tool, says how instead', () => {
    const root = checkout(true);
    ensureBuild(root, () => undefined);
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, 'out', 'renderer', 'index.html'), earlier, earlier);
    expect(buildState(root)).toBe('stale');
    const off = io();
    prepareReviewApp(root, false, off.io);
    expect(off.err).toEqual([
      "the review app's build is older than its sources: serving it as it is; run npm run build (or npm start, which builds it)",
    ]);
    prepareReviewApp(root, true, io().io);
    expect(buildState(root)).toBe('fresh');
    const bare = checkout(false);
    const none = io();
    prepareReviewApp(bare, true, none.io);
    expect(none.err).toEqual([
      'the review app is not built: serving the API only; run npm run build (or npm start, which builds it)',
    ]);
    expect(existsSync(path.join(bare, 'out'))).toBe(false);
  });
});
