// CommandRunner under Node over a real project (studioHarness): the context a command sees, a command that throws
// (one message, nothing rejects), a disabled command (nothing happens), Escape's order, fresh person ids.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EditorCommand } from '../../src/core/edit/editorCommands.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { newPersonId } from '../../src/renderer/editor/commandRunner.ts';
import { key, photoProject, studio } from './studioHarness.ts';

let project: OpenProject;
beforeEach(async () => {
  project = await photoProject(2);
});
afterEach(() => project.close());

const command = (over: Partial<EditorCommand>): EditorCommand => ({
  id: 'test.command',
  label: 'Test command',
  shortcuts: [],
  isEnabled: () => true,
  run: () => ({}),
  ...over,
});

describe('CommandRunner', () => {
  it('has no context before an image is open; then the open image, its selection and undo state', async () => {
    const { engine } = studio(project);
    expect(engine.context()).toBeNull();
    await engine.start();
    const ctx = engine.context();
    expect(ctx).toMatchObject({ canUndo: false, canRedo: false, predictionsShown: true });
    expect(ctx?.state.order).toEqual([]);
  });

  it('a command that throws says so once under its label and changes nothing; a disabled one does nothing', async () => {
    const { engine, client } = studio(project);
    await engine.start();
    client.calls.length = 0;
    await engine.run(
      command({
        run: () => {
          throw new Error('no joint there');
        },
      }),
    );
    expect(engine.notices.message.get()).toBe('Test command: no joint there');
    let ran = false;
    await engine.run(
      command({
        isEnabled: () => false,
        run: () => {
          ran = true;
          return {};
        },
      }),
    );
    expect(ran).toBe(false);
    expect(client.calls).toEqual([]);
  });

  it('Escape closes a dialog first, then clears the selection; keys are not shortcuts while a dialog is open', async () => {
    const { engine } = studio(project);
    await engine.start();
    engine.runCommandId('person.add');
    await engine.edits.idle();
    expect(engine.view.selection.get().selection.personId).not.toBeNull();
    engine.notices.open('help');
    expect(engine.handleKey(key('h'))).toBe(false);
    engine.handleKey(key('Escape'));
    expect(engine.notices.dialog.get()).toBeNull();
    expect(engine.view.selection.get().selection.personId).not.toBeNull();
    engine.handleKey(key('Escape'));
    expect(engine.view.selection.get().selection.personId).toBeNull();
  });

  it('person ids are fresh, even for many made in one millisecond', () => {
    const ids = new Set(Array.from({ length: 2000 }, (_, i) => newPersonId(i % 3)));
    expect(ids.size).toBe(2000);
  });
});
