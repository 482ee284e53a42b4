import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { buildState } from '../src/node/build/rendererBuild.ts';
import { demoIntro } from './demoIntro.ts';

describe('npm run demo', () => {
  it('says how to open the review app as its build is: never "not built" when it is built', async () => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'demo.ts')], { stdio: 'pipe' });
    const first = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
    });
    child.kill('SIGKILL');
    const state = buildState(PROJECT_ROOT);
    expect(first).toBe(`SimplePose Studio demo — ${demoIntro(state)}`);
    if (state === 'fresh') expect(first).not.toMatch(/not built/);
    expect(demoIntro('fresh')).toMatch(/the review app is built: npm start opens it/);
    expect(demoIntro('missing')).toMatch(/npm start builds it/);
  });
});
