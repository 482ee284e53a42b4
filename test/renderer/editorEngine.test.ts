// The editor engine under Node, over a real project (studioHarness: real service, contract-checked transport,
// media through the server's readMedia): opening and moving on, keys and commands, slices, and the one error
// policy (every failed call ends in one message; nothing rejects into a `void`).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';
import { fitViewport } from '../../src/core/geometry/viewport.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { key, photoProject, settle, studio } from './studioHarness.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';

let project: OpenProject;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(async () => {
  project = await photoProject(3);
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
  await project.close();
});

describe('EditorEngine: images', () => {
  it('opens the first image (its status unchanged: viewing is not reviewing), moves on with keys, says where the list ends', async () => {
    const { engine, client } = studio(project);
    await engine.start();
    expect(engine.images.status.get()).toEqual({ index: 0, loading: false, error: null });
    expect(engine.images.current.get()?.row).toMatchObject({ relPath: 'photos/img000.png', width: 64, height: 48 });
    expect(engine.annotation.get()).toMatchObject({ imageId: 1, canUndo: false, canRedo: false, pending: 0 });
    await settle();
    expect(engine.images.current.get()?.row.status).toBe('unreviewed');
    expect(client.calls).not.toContain('setStatus');
    expect(engine.view.viewport.get()).toEqual(fitViewport(64, 48, 800, 600));
    engine.handleKey(key('PageDown'));
    await expect.poll(() => engine.images.status.get().index).toBe(1);
    await engine.navigate('next');
    await engine.navigate('next');
    expect(engine.notices.message.get()).toBe('That was the last image.');
    expect(engine.images.status.get().index).toBe(2);
    expect((await project.service.listImages({})).images.map((r) => r.status)).toEqual([
      'unreviewed',
      'unreviewed',
      'unreviewed',
    ]);
  });

  it('an image deleted from disk: the canvas says why, nothing else breaks', async () => {
    rmSync(path.join(project.root, 'photos', 'img001.png'));
    const { engine } = studio(project);
    await engine.start();
    await engine.openIndex(1);
    expect(engine.images.status.get()).toMatchObject({ index: 1, loading: false });
    expect(engine.images.status.get().error).toMatch(/^photos\/img001\.png: /);
    expect(engine.images.current.get()).toBeNull();
    expect(engine.annotation.get()).toBeNull();
    await engine.openIndex(2);
    expect(engine.images.current.get()?.row.relPath).toBe('photos/img002.png');
  });

  it("another window's edit of the open image is shown without a reload of the page", async () => {
    const { engine } = studio(project);
    await engine.start();
    const a = await project.service.getAnnotation({ imageId: 1 });
    await project.service.saveEdits({
      imageId: 1,
      revision: a.revision,
      steps: [{ kind: 'do', diff: addPerson(EMPTY_ANNOTATION, 'ext'), label: 'from elsewhere' }],
    });
    await expect.poll(() => engine.annotation.get()?.state.order).toEqual(['ext']);
    expect(engine.annotation.get()?.canUndo).toBe(true);
  });
});

describe('EditorEngine: editing through commands and keys', () => {
  it('P adds a person, a click places its joint, Ctrl+Z undoes it with one round trip, Ctrl+Shift+Z redoes', async () => {
    const { engine, client } = studio(project);
    await engine.start();
    engine.handleKey(key('p'));
    await engine.edits.idle();
    const pid = engine.view.selection.get().selection.personId!;
    expect(engine.view.selection.get()).toMatchObject({ placeMode: true, selection: { joint: 0 } });
    await engine.gestures.clickImage(20, 30);
    expect(engine.view.selection.get().selection).toEqual({ personId: pid, joint: 1 });
    const stored = () => project.service.getAnnotation({ imageId: 1 });
    expect((await stored()).state.persons[pid].joints[0]).toMatchObject({ x: 20, y: 30, v: 2, source: 'human' });
    client.calls.length = 0;
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect(client.calls).toEqual(['saveEdits']);
    expect((await stored()).state.persons[pid].joints[0]).toBeNull();
    expect(engine.notices.message.get()).toBe('Undid: Place joint');
    engine.handleKey(key('Z', { ctrlKey: true, shiftKey: true }));
    await engine.edits.idle();
    expect((await stored()).state.persons[pid].joints[0]).toMatchObject({ x: 20, y: 30 });
    expect(client.calls).toEqual(['saveEdits', 'saveEdits']);
  });

  it('Enter accepts the image (after its edits are saved) and opens the next; menus run commands by id', async () => {
    const { engine } = studio(project);
    await engine.start();
    engine.runCommandId('person.add');
    await engine.edits.idle();
    await engine.gestures.clickImage(10, 10); // its first joint: a person, not an empty record
    engine.handleKey(key('Enter'));
    await expect.poll(() => engine.images.status.get().index).toBe(1);
    const rows = (await project.service.listImages({})).images;
    expect(rows[0].status).toBe('accepted');
    expect((await project.service.getAnnotation({ imageId: 1 })).state.order).toHaveLength(1);
    engine.runCommandId('view.heatmap');
    expect(engine.view.heatmap.get().visible).toBe(true);
    engine.runCommandId('no.such');
    expect(engine.notices.message.get()).toBe('No command no.such');
  });

  it('view commands come from their own table: H, ], F, ?; Escape closes the dialog first', async () => {
    const { engine } = studio(project);
    await engine.start();
    expect(engine.handleKey(key('h'))).toBe(true);
    expect(engine.view.heatmap.get().visible).toBe(true);
    const c = engine.view.heatmap.get().channel;
    engine.handleKey(key(']'));
    expect(engine.view.heatmap.get().channel).toBe((c + 1) % 50);
    engine.view.zoom(10, 10, 2);
    engine.handleKey(key('f'));
    expect(engine.view.viewport.get()).toEqual(fitViewport(64, 48, 800, 600));
    engine.handleKey(key('?', { shiftKey: true }));
    expect(engine.notices.dialog.get()).toBe('help');
    expect(engine.handleKey(key('p'))).toBe(false); // not while a dialog is open
    engine.handleKey(key('Escape'));
    expect(engine.notices.dialog.get()).toBeNull();
    expect(engine.handleKey(key('q'))).toBe(false);
  });
});

describe('EditorEngine: slices', () => {
  it('a change re-renders only what shows it: overlay, selection, drag point and edits each notify their own readers', async () => {
    const { engine } = studio(project);
    await engine.start();
    await settle();
    const heard: Record<string, number> = {};
    const slices = {
      annotation: engine.annotation,
      image: engine.images.current,
      viewport: engine.view.viewport,
      selection: engine.view.selection,
      heatmap: engine.view.heatmap,
      dragging: engine.pointer.dragging,
      dragPoint: engine.pointer.dragPoint,
      message: engine.notices.message,
    };
    for (const [name, s] of Object.entries(slices)) s.subscribe(() => (heard[name] = (heard[name] ?? 0) + 1));
    const heardOnly = async (what: () => unknown, expected: Record<string, number>) => {
      for (const k of Object.keys(heard)) delete heard[k];
      await what();
      expect(heard).toEqual(expected);
    };
    await heardOnly(() => engine.view.setHeatmap({ opacity: 0.3 }), { heatmap: 1 });
    await heardOnly(() => engine.view.panBy(5, 5), { viewport: 1 });
    // Shown, saved; the first saved edit makes the image "in progress" (its row).
    await heardOnly(() => engine.commit(addPerson(EMPTY_ANNOTATION, 'a'), 'Add person'), { annotation: 2, image: 1 });
    const j = { x: 10, y: 10, v: 2 as const, source: 'human' as const };
    const s = engine.annotation.get()!.state;
    await engine.commit(
      {
        added: {},
        updated: { a: [s.persons.a, { ...s.persons.a, joints: s.persons.a.joints.map(() => j) }] },
        removed: {},
      },
      'Place',
    );
    await engine.edits.idle();
    const v = engine.view.viewport.get();
    const screen = (x: number, y: number): [number, number] => [x * v.scale + v.offsetX, y * v.scale + v.offsetY];
    await heardOnly(() => engine.pointer.jointDown('a', 3, ...screen(10, 10), 0), {
      dragging: 1,
      selection: 1,
      heatmap: 1,
      annotation: 1,
    });
    // The frames of a drag: the drag point alone.
    await heardOnly(
      () => {
        for (let i = 1; i <= 10; i++) engine.pointer.move(...screen(10 + i, 10));
      },
      { dragPoint: 10 },
    );
  });
});

describe('EditorEngine: one error policy — every failed call is one message, nothing rejects unheard', () => {
  const down = (what: string) => () =>
    Promise.reject(Object.assign(new Error(`${what}: server unreachable`), { status: 503 }));

  it('setting a status: accepting (the image then stays open)', async () => {
    const { engine, client } = studio(project);
    client.override('setStatus', down('setStatus'));
    await engine.start();
    engine.handleKey(key('Enter'));
    await expect
      .poll(() => engine.notices.message.get())
      .toBe('The image could not be marked no person: setStatus: server unreachable');
    await settle();
    expect(engine.images.status.get().index).toBe(0);
  });

  it('detection: settings refused, a model that fails, cancelling that fails; the project information', async () => {
    const { engine, client } = studio(project);
    await engine.start();
    await engine.setup.refresh();
    const quick = { scales: [0.25], flip: false, mode: 'fast' as const };
    expect(await engine.setup.save({ settings: { ...quick, scales: [0] } })).toBe(false);
    expect(engine.notices.message.get()).toMatch(/^The detection settings were not saved: .*scales must be/);
    expect(await engine.setup.save({ settings: quick, modelPath: path.join(project.root, 'nope.onnx') })).toBe(false);
    expect(engine.notices.message.get()).toMatch(/^The detection settings were not saved: .*nope\.onnx: no such file/);
    // a registered model whose file is gone since: the job fails and says why
    const gone = path.join(project.root, 'gone.onnx');
    copyFileSync(path.join(MODEL_FIXTURES, 'tiny.onnx'), gone);
    expect(await engine.setup.save({ settings: quick, modelPath: gone })).toBe(true);
    rmSync(gone);
    await engine.jobs.start();
    await expect.poll(() => engine.jobs.job.get()?.status).toBe('failed');
    expect(engine.jobs.job.get()?.message).toMatch(/gone\.onnx/);
    await engine.setup.save({ settings: quick, modelId: null });
    client.override('cancelJob', down('cancelJob'));
    await engine.jobs.cancel();
    expect(engine.notices.message.get()).toBe('Cancelling the detection failed: cancelJob: server unreachable');
    client.override('projectInfo', down('projectInfo'));
    await engine.jobs.refreshProject();
    expect(engine.notices.message.get()).toBe('The project information did not load: projectInfo: server unreachable');
  });

  it('the list; the older history that does not load (the undo waits, then works)', async () => {
    const { engine, client } = studio(project);
    client.override('listImages', down('listImages'));
    await engine.start();
    expect(engine.notices.message.get()).toBe('The image list did not load: listImages: server unreachable');
    client.override('listImages', null);
    await engine.start();
    for (let i = 0; i < 25; i++) await engine.commit(addPerson(engine.annotation.get()!.state, `p${i}`), 'Add person');
    // A second window loads the newest entries; undoing past them pages in older ones, which fails once.
    const { engine: other, client: otherClient } = studio(project);
    await other.start();
    for (let i = 0; i < 20; i++) await other.history('undo');
    otherClient.override('getEditHistory', down('getEditHistory'));
    await other.history('undo');
    expect(other.notices.message.get()).toBe(
      'Could not undo: the older history did not load (getEditHistory: server unreachable)',
    );
    otherClient.override('getEditHistory', null);
    await other.history('undo');
    expect(other.notices.message.get()).toBe('Undid: Add person');
    expect(other.annotation.get()?.state.order).toHaveLength(4);
  });
});

describe('EditorEngine: preferences', () => {
  it('kept between sessions; unreadable or invalid ones fall back to defaults and say so; a refused write is said once', async () => {
    const first = studio(project);
    first.engine.view.setHeatmap({ opacity: 0.25, colormap: 'gray' });
    expect(JSON.parse(first.prefs.text!).heatmap).toMatchObject({ opacity: 0.25, colormap: 'gray' });
    const again = studio(project, { prefsText: first.prefs.text! });
    expect(again.engine.view.heatmap.get()).toMatchObject({ opacity: 0.25, colormap: 'gray' });
    expect(studio(project, { prefsText: '{"heatmap": ' }).engine.notices.message.get()).toMatch(
      /^Saved preferences could not be read \(.*\); defaults are used$/,
    );
    const odd = studio(project, {
      prefsText: '{"heatmap": {"channel": 99, "opacity": 0.5}, "detect": {"scales": []}}',
    });
    // (detection settings of older versions are ignored: they live in the project now)
    expect(odd.engine.notices.message.get()).toBe(
      'Some saved preferences were not valid and are back to their defaults: heatmap.channel',
    );
    expect(odd.engine.view.heatmap.get()).toMatchObject({ channel: 49, opacity: 0.5 });
    const refusing = studio(project, {
      prefs: {
        read: () => null,
        write: () => {
          throw new Error('QuotaExceededError');
        },
      },
    });
    refusing.engine.view.setHeatmap({ opacity: 0.1 });
    expect(refusing.engine.notices.message.get()).toBe(
      'Preferences cannot be saved here (QuotaExceededError); they last for this session',
    );
    refusing.engine.notices.say(null);
    refusing.engine.view.setHeatmap({ opacity: 0.2 });
    expect(refusing.engine.notices.message.get()).toBeNull();
    expect(refusing.engine.view.heatmap.get().opacity).toBe(0.2);
  });
});
