import type { EditStep } from '../../src/contract/apiPayloads.ts';
// One contract suite over both transports: the renderer's two real clients — web mode's HTTP client against the
// real server, and the Electron client on the real preload against the real IPC adapter (`electron` replaced by a
// recorder whose invoke structured-clones both ways, as Electron's IPC does) — each over its own copy of the same
// real project. The same request must give the same result, or the same error code with the same details.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
const exposed: Record<string, unknown> = {};
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, f: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(ch, f),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
  contextBridge: { exposeInMainWorld: (name: string, value: unknown) => (exposed[name] = value) },
  ipcRenderer: {
    invoke: async (ch: string, payload: unknown) => {
      const handler = handlers.get(ch);
      if (!handler) throw new Error(`Error invoking remote method '${ch}': no handler registered`);
      return structuredClone(await handler({ sender: 'preload' }, structuredClone(payload)));
    },
    on: () => {},
    off: () => {},
  },
}));

const { registerIpc } = await import('../../src/main/ipcAdapter.ts');
const { ExchangePicker } = await import('../../src/main/exchangePicker.ts');
const { startServer } = await import('../../src/server/startServer.ts');
const { openProjectFolder } = await import('../../src/node/project/openProjectFolder.ts');
const { createHttpClient } = await import('../../src/renderer/api/createHttpClient.ts');
const { createIpcClient } = await import('../../src/renderer/api/createIpcClient.ts');
const { addPerson, placeJoint } = await import('../../src/core/edit/poseEdits.ts');
const { applyDiff } = await import('../../src/core/edit/recordDiff.ts');
const { EMPTY_ANNOTATION, JOINT_COUNT } = await import('../../src/core/edit/poseRecords.ts');
const { COCO_KEYPOINTS, COCO_SKELETON_1BASED } = await import('../../src/core/skeleton/poseMeta.ts');
type Client = import('../../src/renderer/api/studioClient.ts').StudioClient;
type OpenProject = import('../../src/node/project/openProjectFolder.ts').OpenProject;

interface Transport {
  name: string;
  client: Client;
  project: OpenProject;
  /** A path for an exchange file: inside the project folder (web mode), only a suggestion in Electron's dialog. */
  file(name: string): string;
}

async function projectFolder(): Promise<string> {
  const root = path.join(mkdtempSync(path.join(tmpdir(), 'sp-transport-')), 'project');
  mkdirSync(root);
  const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#246' } });
  writeFileSync(path.join(root, 'a.png'), await png(40, 30).png().toBuffer());
  mkdirSync(path.join(root, 'sub'));
  writeFileSync(path.join(root, 'sub', 'b.png'), await png(20, 10).png().toBuffer());
  const keypoints = Array.from({ length: JOINT_COUNT * 3 }, (_, k) => (k < 3 ? [10, 12, 2][k] : 0));
  const coco = (extra: Record<string, unknown>) => ({
    images: [{ id: 1, file_name: 'a.png', width: 40, height: 30 }],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 1,
        keypoints,
        num_keypoints: 1,
        bbox: [9, 11, 2, 2],
        area: 4,
        iscrowd: 0,
        ...extra,
      },
    ],
    categories: [{ id: 1, name: 'person', keypoints: COCO_KEYPOINTS, skeleton: COCO_SKELETON_1BASED }],
  });
  // Strings that look like non-finite numbers are plain JSON data a COCO file may carry (captions, attributes).
  writeFileSync(path.join(root, 'good.json'), JSON.stringify(coco({ caption: 'Infinity Pool at NaN o’clock' })));
  writeFileSync(path.join(root, 'bad.json'), JSON.stringify(coco({ keypoints: [1, 2, 3] })));
  return root;
}

let transports: Transport[] = [];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  const webRoot = await projectFolder();
  const web = await openProjectFolder(webRoot);
  const server = await startServer({ service: web.service, root: webRoot, token: 'transport-token-0123456789' });
  closers.push(
    () => server.close(),
    () => web.close(),
  );
  const http = createHttpClient(`http://127.0.0.1:${server.port}`, server.token);

  const ipcRoot = await projectFolder();
  // The user takes the file the dialog suggests (the page's file name, in the project folder).
  const picker = new ExchangePicker(async (_purpose, defaultPath) => defaultPath);
  const desk = await openProjectFolder(ipcRoot, { exchange: picker.policy });
  closers.push(
    registerIpc(
      () => desk.service,
      (e) => (e as { sender: unknown }).sender === 'preload',
      { pickExchangeFile: (purpose, suggested) => picker.pick(purpose, suggested, ipcRoot) },
    ),
    () => desk.close(),
  );
  await import('../../src/preload/preload.ts');
  const ipc = createIpcClient(exposed.simplepose as Parameters<typeof createIpcClient>[0]);
  transports = [
    { name: 'http', client: http, project: web, file: (n) => path.join(webRoot, n) },
    { name: 'ipc', client: ipc, project: desk, file: (n) => n },
  ];
}, 60_000);
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

/** What a call gives, comparable across transports: the value with each project's folder as <root>, or the error. */
async function outcome(t: Transport, call: (api: Client['api']) => Promise<unknown>): Promise<unknown> {
  const root = t.project.root;
  const clean = (v: unknown) => JSON.parse(JSON.stringify(v ?? null).replaceAll(root, '<root>'));
  try {
    return { value: clean(await call(t.client.api)) };
  } catch (e) {
    const err = e as { name: string; code?: string; status?: number; message: string; details?: unknown };
    return { error: { name: err.name, code: err.code, status: err.status, details: clean(err.details) } };
  }
}

/** Runs one call on both transports; they must agree. Returns the (shared) outcome. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads the shared outcome field by field and asserts each one
async function same(call: (api: Client['api'], t: Transport) => Promise<unknown>): Promise<any> {
  const [a, b] = await Promise.all(transports.map((t) => outcome(t, (api) => call(api, t))));
  expect(b, 'ipc vs http').toEqual(a);
  return a;
}

const imageId = (t: Transport, rel: string) =>
  t.project.db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get(rel) as number;

describe('one contract, two transports', () => {
  it('reads: the same values', async () => {
    const info = await same((api) => api.projectInfo({}));
    expect(info.value).toMatchObject({ root: '<root>', images: 2, counts: { unreviewed: 2 } });
    const list = await same((api) => api.listImages({ limit: 10 }));
    expect(list.value.images.map((i: { relPath: string }) => i.relPath)).toEqual(['a.png', 'sub/b.png']);
    await same((api, t) => api.getPredictions({ imageId: imageId(t, 'a.png') }));
    await same((api, t) => api.getAnnotation({ imageId: imageId(t, 'a.png') }));
  });

  it("a user's mistake: the same code, status and located issues", async () => {
    const cases: [string, (api: Client['api'], t: Transport) => Promise<unknown>, string][] = [
      ['negative limit', (api) => api.listImages({ limit: -1 }), 'bad_request'],
      ['unknown field', (api) => api.listImages({ sort: 'name' } as never), 'bad_request'],
      [
        'unknown status',
        (api, t) => api.setStatus({ imageId: imageId(t, 'a.png'), status: 'done' as never }),
        'bad_request',
      ],
      ['no such image', (api) => api.getAnnotation({ imageId: 99 }), 'not_found'],
      ['id past 2^53', (api) => api.getAnnotation({ imageId: 2 ** 53 }), 'bad_request'],
      ['bad COCO file', (api, t) => api.importCoco({ path: t.file('bad.json') }), 'unprocessable'],
      ['no such COCO file', (api, t) => api.importCoco({ path: t.file('none.json') }), 'not_found'],
    ];
    for (const [what, call, code] of cases) {
      const r = await same(call);
      expect(r.error?.code, what).toBe(code);
    }
    const issues = (await same((api) => api.listImages({ limit: -1, offset: 1.5 }))).error.details;
    expect(issues).toEqual([
      { path: '$.offset', message: 'expected an integer ≥ 0 (below 2^53), got 1.5' },
      { path: '$.limit', message: 'expected an integer ≥ 1 (below 2^53), got -1' },
    ]);
    const coco = (await same((api, t) => api.importCoco({ path: t.file('bad.json') }))).error;
    expect([coco.status, coco.details[0].path]).toEqual([422, 'annotations[0].keypoints']);
  });

  it('a person has exactly the joint count of the skeleton meta on both transports', async () => {
    for (const n of [3, JOINT_COUNT + 1]) {
      const r = await same((api, t) => {
        const d = addPerson(EMPTY_ANNOTATION, 'p');
        d.added.p.joints = Array.from({ length: n }, () => null);
        const step = { kind: 'do' as const, diff: d, label: 'add' };
        return api.saveEdits({ imageId: imageId(t, 'sub/b.png'), revision: 0, steps: [step] });
      });
      expect(r.error.details).toEqual([
        { path: '$.steps[0].diff.added.p.joints', message: `exactly ${JOINT_COUNT} items, got ${n}` },
      ]);
    }
  });

  it('edits, a conflict with the current annotation as its details, undo and redo', async () => {
    const add = addPerson(EMPTY_ANNOTATION, 'h1');
    const save = (t: Parameters<Parameters<typeof same>[0]>[1], revision: number, step: EditStep) => ({
      imageId: imageId(t, 'a.png'),
      revision,
      steps: [step],
    });
    const first = await same((api, t) => api.saveEdits(save(t, 0, { kind: 'do', diff: add, label: 'add person' })));
    expect(first.value).toEqual({ revision: 1, cursor: 1, length: 1 });
    const state = applyDiff(EMPTY_ANNOTATION, add);
    const stale = { ...addPerson(EMPTY_ANNOTATION, 'h1') };
    stale.added.h1.crowd = true;
    const conflict = await same((api, t) =>
      api.saveEdits(save(t, 0, { kind: 'do', diff: stale, label: 'add person' })),
    );
    expect(conflict.error).toMatchObject({ code: 'conflict', status: 409 });
    expect(conflict.error.details).toEqual({
      state,
      revision: 1,
      history: { cursor: 1, length: 1, first: 1, entries: [{ diff: add, label: 'add person' }] },
    });
    await same((api, t) =>
      api.saveEdits(save(t, 1, { kind: 'do', diff: placeJoint(state, 'h1', 0, 5, 6), label: 'place' })),
    );
    const undo = await same((api, t) => api.saveEdits(save(t, 2, { kind: 'undo', seq: 2 })));
    expect(undo.value).toEqual({ revision: 3, cursor: 1, length: 2 });
    const staleUndo = await same((api, t) => api.saveEdits(save(t, 1, { kind: 'undo', seq: 1 })));
    expect(staleUndo.error).toMatchObject({ code: 'conflict', status: 409 });
    const redo = await same((api, t) => api.saveEdits(save(t, 3, { kind: 'redo', seq: 2 })));
    expect(redo.value).toEqual({ revision: 4, cursor: 2, length: 2 });
  });

  it('imports keep any JSON string in passthrough fields; the annotation comes back on both', async () => {
    const r = await same((api, t) => api.importCoco({ path: t.file('good.json') }));
    expect(r.value).toMatchObject({ images: 1, persons: 1 });
    const a = await same((api, t) => api.getAnnotation({ imageId: imageId(t, 'a.png') }));
    expect(a.value.state.persons.c1.coco).toMatchObject({ caption: 'Infinity Pool at NaN o’clock' });
  });

  it('the request limits of web mode hold over IPC too: too large, too deeply nested', async () => {
    const big = await same((api, t) =>
      api.saveEdits({
        imageId: imageId(t, 'a.png'),
        revision: 0,
        steps: [{ kind: 'do', diff: addPerson(EMPTY_ANNOTATION, 'x'), label: 'x'.repeat(33 * 2 ** 20) }],
      }),
    );
    expect(big.error).toMatchObject({ code: 'too_large', status: 413 });
    let deep: unknown = 1;
    for (let k = 0; k < 200; k++) deep = [deep];
    const nested = await same((api) => api.listImages({ ids: deep } as never));
    expect(nested.error).toMatchObject({ code: 'bad_request', status: 400 });
  });
});
