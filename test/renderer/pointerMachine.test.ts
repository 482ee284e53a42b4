// The canvas's pointer machine under Node: first against a host that records what it is asked (the machine's own
// rules), then through the engine over a real project (a drag is one saved undo step).
import { afterEach, describe, expect, it } from 'vitest';
import { PointerMachine, type PointerHost } from '../../src/renderer/editor/pointerMachine.ts';
import type { Viewport } from '../../src/core/geometry/viewport.ts';
import { moveJoint } from '../../src/core/edit/poseEdits.ts';
import { clampToBounds } from '../../src/core/edit/diffChecks.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { photoProject, studio } from './studioHarness.ts';

/**
 * A host at scale 2, offset (10, 20): image (x, y) is screen (2x + 10, 2y + 20); one joint, p/0 at (30, 40), and
 * a predicted person pred:g with its joint 0 there too (dragging it accepts it as person "accepted-g").
 */
function recorder() {
  const log: string[] = [];
  const v: Viewport = { scale: 2, offsetX: 10, offsetY: 20 };
  const host: PointerHost = {
    viewport: () => v,
    jointAt: (p, k) => ((p === 'p' || p === 'pred:g') && k === 0 ? { x: 30, y: 40 } : null),
    beginDrag: (p, k) => {
      log.push(`begin ${p}/${k}`);
      return p === 'pred:g' ? 'accepted-g' : p;
    },
    isPredicted: (p) => p.startsWith('pred:'),
    clickPredicted: (p) => log.push(`select ${p}`),
    endDrag: (p, k, to) => log.push(`end ${p}/${k} ${to ? `${to.x},${to.y}` : 'cancelled'}`),
    click: (x, y) => log.push(`click ${x},${y}`),
    panBy: (dx, dy) => log.push(`pan ${dx},${dy}`),
    zoom: (sx, sy, f) => log.push(`zoom ${sx},${sy} ${f.toFixed(3)}`),
  };
  return { log, machine: new PointerMachine(host) };
}

describe('PointerMachine', () => {
  it('a press released within 3 px is a click (image px); past 3 px it pans, and is no click', () => {
    const { log, machine } = recorder();
    machine.down(50, 60, 0);
    machine.move(51, 61);
    machine.up(51, 61, 0, false);
    machine.down(50, 60, 0);
    machine.move(54, 60);
    machine.move(60, 65);
    machine.up(60, 65, 0, false);
    expect(log).toEqual(['click 20.5,20.5', 'pan 4,0', 'pan 6,5']);
  });

  it('the middle button pans and never clicks; a release over a joint is no click; other buttons do nothing', () => {
    const { log, machine } = recorder();
    machine.down(0, 0, 1);
    machine.up(0, 0, 1, false);
    machine.down(0, 0, 0);
    machine.up(0, 0, 0, true);
    machine.down(0, 0, 2);
    machine.move(20, 20);
    machine.up(20, 20, 2, false);
    expect(log).toEqual([]);
  });

  it('a drag keeps the grab offset, moves only the drag point, and ends where released — outside the canvas too', () => {
    const { log, machine } = recorder();
    // Pressed 1 image px right of the joint's centre (screen 72 = 2·31 + 10).
    machine.jointDown('p', 0, 72, 100, 0);
    expect(machine.dragging.get()).toEqual({ personId: 'p', joint: 0 });
    machine.move(82, 110);
    expect(machine.dragPoint.get()).toEqual({ x: 35, y: 45 });
    machine.down(0, 0, 0); // the stage's press during a drag changes nothing
    machine.release(); // the window's mouseup
    expect(log).toEqual(['begin p/0', 'end p/0 35,45']);
    expect([machine.dragging.get(), machine.dragPoint.get()]).toEqual([null, null]);
  });

  it('a drag is cancelled without moving the joint; only the left button on a known joint drags', () => {
    const { log, machine } = recorder();
    machine.jointDown('p', 0, 70, 100, 0);
    machine.move(90, 100);
    machine.cancel();
    machine.jointDown('p', 0, 70, 100, 1);
    machine.jointDown('q', 0, 70, 100, 0);
    machine.wheel(5, 6, -100, false);
    expect(log).toEqual(['begin p/0', 'end p/0 cancelled', `zoom 5,6 ${log.at(-1)!.split(' ').at(-1)}`]);
    expect(Number(log.at(-1)!.split(' ').at(-1))).toBeGreaterThan(1);
  });
});

describe('PointerMachine: predicted persons', () => {
  it('a press on a predicted joint is a click (selects it) until it moves past 3 px; then it drags its accepted person', () => {
    const { log, machine } = recorder();
    machine.jointDown('pred:g', 0, 70, 100, 0);
    machine.move(71, 101);
    expect(machine.dragging.get()).toBeNull();
    machine.up(71, 101, 0, true);
    expect(log).toEqual(['select pred:g']);
    machine.jointDown('pred:g', 0, 70, 100, 0);
    machine.move(80, 100);
    expect(machine.dragging.get()).toEqual({ personId: 'accepted-g', joint: 0 });
    expect(machine.dragPoint.get()).toEqual({ x: 35, y: 40 });
    machine.release();
    expect(log).toEqual(['select pred:g', 'begin pred:g/0', 'end accepted-g/0 35,40']);
    // Released outside the canvas before it moved: nothing at all.
    machine.jointDown('pred:g', 0, 70, 100, 0);
    machine.release();
    machine.up(70, 100, 0, false);
    expect(log).toHaveLength(3);
  });
});

describe('PointerMachine through the engine, over a real project', () => {
  let project: OpenProject;
  afterEach(() => project.close());

  it('a drag of 30 frames is one save, one history entry and one undo step, clamped to the image', async () => {
    project = await photoProject(1, 64, 48);
    const { engine, client } = studio(project);
    await engine.start();
    const add = {
      id: 'a',
      crowd: false,
      joints: Array.from({ length: 17 }, () => ({ x: 10, y: 10, v: 2 as const, source: 'human' as const })),
    };
    await engine.commit({ added: { a: add }, updated: {}, removed: {} }, 'Add');
    client.calls.length = 0;
    const v = engine.view.viewport.get();
    const sx = 10 * v.scale + v.offsetX,
      sy = 10 * v.scale + v.offsetY;
    engine.pointer.jointDown('a', 0, sx, sy, 0);
    for (let i = 1; i <= 30; i++) engine.pointer.move(sx + i * 10 * v.scale, sy + i * v.scale);
    expect(client.calls).toEqual([]);
    engine.pointer.up(sx + 300 * v.scale, sy + 30 * v.scale, 0, false);
    await engine.edits.idle();
    expect(client.calls).toEqual(['saveEdits']);
    const stored = await project.service.getAnnotation({ imageId: 1 });
    // 310 px is past the image (64 wide): the joint stops at the bounds the store accepts.
    expect(stored.state.persons.a.joints[0]).toMatchObject(clampToBounds(310, 40, { width: 64, height: 48 }));
    expect(stored.state.persons.a.joints[0]!.x).toBeLessThan(310);
    expect(stored.history).toMatchObject({ cursor: 2, length: 2 });
    expect(engine.view.selection.get().selection).toEqual({ personId: 'a', joint: 0 });
    await engine.history('undo');
    expect((await project.service.getAnnotation({ imageId: 1 })).state.persons.a.joints[0]).toMatchObject({
      x: 10,
      y: 10,
    });
  });

  it('another window moves the same person during the drag: both are kept, and shown once the drag ends', async () => {
    project = await photoProject(1, 64, 48);
    const { engine } = studio(project);
    await engine.start();
    const add = {
      id: 'a',
      crowd: false,
      joints: Array.from({ length: 17 }, () => ({ x: 10, y: 10, v: 2 as const, source: 'human' as const })),
    };
    await engine.commit({ added: { a: add }, updated: {}, removed: {} }, 'Add');
    const v = engine.view.viewport.get();
    engine.pointer.jointDown('a', 0, 10 * v.scale + v.offsetX, 10 * v.scale + v.offsetY, 0);
    const other = await project.service.getAnnotation({ imageId: 1 });
    await project.service.saveEdits({
      imageId: 1,
      revision: other.revision,
      steps: [{ kind: 'do', diff: moveJoint(other.state, 'a', 5, 20, 20), label: 'other' }],
    });
    await new Promise((r) => setTimeout(r, 50)); // its annotationChanged arrives: the open gesture keeps the state
    engine.pointer.move(12 * v.scale + v.offsetX, 14 * v.scale + v.offsetY);
    engine.pointer.release();
    await engine.edits.idle();
    const stored = (await project.service.getAnnotation({ imageId: 1 })).state.persons.a;
    expect(stored.joints[0]!.x).toBeCloseTo(12, 9); // screen → image, within float rounding
    expect(stored.joints[0]!.y).toBeCloseTo(14, 9);
    expect(stored.joints[5]).toMatchObject({ x: 20, y: 20 });
    expect(engine.annotation.get()?.state.persons.a).toEqual(stored);
  });
});
