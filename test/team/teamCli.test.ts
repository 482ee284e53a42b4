// The team commands as users run them: push a local project, export it from the team database (the same bytes as
// the local `export`), queue detection, read progress, add users and assign images — and every mistake answered
// with one line and its exit code, never a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { runCli } from '../support/runCli.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
let project: OpenProject;
let url: string;

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(3, 64, 48);
  await project.service.setStatus({ imageId: 1, status: 'no_person' });
  url = (await pg.fresh()).url;
}, 60_000);
afterAll(() => project?.close());

describe.skipIf(PG_MISSING)('simplepose team', () => {
  it('push, then export from the team database: the same bytes as the local export', async () => {
    const push = await runCli('team', 'push', '--team', url, '--project', project.root);
    expect(push).toMatchObject({ code: 0, out: ['pushed 3 images and 0 annotations'] });
    for (const scope of [[], ['--all']]) {
      const local = path.join(project.root, `local${scope.length}.json`);
      const remote = path.join(project.root, `team${scope.length}.json`);
      expect((await runCli('export', '--project', project.root, '--out', local, ...scope)).code).toBe(0);
      expect((await runCli('team', 'export', '--team', url, '--out', remote, ...scope)).code).toBe(0);
      expect(readFileSync(remote, 'utf8')).toBe(readFileSync(local, 'utf8'));
    }
    const again = await runCli('team', 'push', '--team', url, '--project', project.root);
    expect(again.code).toBe(2);
    expect(again.err[0]).toMatch(/^simplepose team: push: the team database already holds a project \(3 images\)/);
  });

  it('queues detection and reports its progress; users and assignment', async () => {
    const detect = await runCli(
      'team',
      'detect',
      '--team',
      url,
      '--model',
      path.join(MODEL_FIXTURES, 'tiny.onnx'),
      '--batch',
      '2',
      '--json',
    );
    expect(detect.code).toBe(0);
    const run = JSON.parse(detect.out[0]) as { runId: number; total: number; status: string };
    expect(run).toMatchObject({ total: 3, done: 0, status: 'running' });
    expect(await runCli('team', 'progress', '--team', url, String(run.runId))).toMatchObject({
      code: 0,
      out: [`run ${run.runId}: running, 0/3 (0 failed)`],
    });
    expect((await runCli('team', 'cancel', '--team', url, String(run.runId))).out).toEqual([
      `run ${run.runId} cancelled`,
    ]);
    process.env.SIMPLEPOSE_PASSWORD = 'a password of length';
    try {
      expect(await runCli('team', 'user', 'add', 'ann', '--role', 'annotator', '--team', url)).toMatchObject({
        code: 0,
      });
    } finally {
      delete process.env.SIMPLEPOSE_PASSWORD;
    }
    expect(await runCli('team', 'assign', '--user', 'ann', '--images', '1,2', '--team', url)).toMatchObject({
      code: 0,
      out: ['assigned 2 images to ann'],
    });
    const none = await runCli('team', 'assign', '--user', 'ann', '--images', '1,999', '--team', url);
    expect(none.code).toBe(2);
    expect(none.err[0]).toMatch(/only 1 of the 2 images exist; nothing assigned/);
  });

  it('answers mistakes with one line and an exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['team', 'push', '--project', project.root], 2, /give the team database: --team URL/],
      [
        ['team', 'export', '--team', 'postgresql://postgres@127.0.0.1:1/x', '--out', '/tmp/x.json'],
        3,
        /cannot reach the team database at postgresql:\/\/postgres@127.0.0.1:1\/x/,
      ],
      [['team', 'export', '--team', url], 2, /--out FILE is required/],
      [
        ['team', 'export', '--team', url, '--out', 'x.json', '--all', '--only-reviewed'],
        2,
        /either only the reviewed images or all/,
      ],
      [['team', 'progress', '--team', url, 'abc'], 2, /give one run id/],
      [['team', 'progress', '--team', url, '999'], 2, /no detection run 999/],
      [
        ['team', 'user', 'add', 'bob', '--role', 'boss', '--team', url],
        2,
        /--role must be admin, annotator or reviewer/,
      ],
      [['team', 'user', 'add', 'bob', '--role', 'admin', '--team', url], 2, /password in SIMPLEPOSE_PASSWORD/],
      [['team', 'frobnicate'], 2, /unknown team command "frobnicate"/],
      [['worker', '--team', url], 2, /give the shared images folder: --images FOLDER/],
      [['worker', '--team', url, '--images', project.root, '--poll', '0'], 2, /--poll must be a whole number/],
      [['team', 'detect', '--team', url, '--model', '/nope.onnx'], 3, /nope.onnx/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code });
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
    }
  });
});
