// The Electron shell's logic under Node: electron itself cannot start on these machines (no binary), so its
// module is replaced by a recorder of what the shell registers; the project service behind it is the real one.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import sharp from 'sharp';

const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
const exposed: Record<string, unknown> = {};
const rendererListeners = new Map<string, (e: unknown, p: unknown) => void>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, f: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(ch, f),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
  Menu: { buildFromTemplate: (t: unknown) => t },
  // The preload side: invoke goes straight to the registered main-process handler, as a trusted sender.
  contextBridge: {
    exposeInMainWorld: (name: string, value: unknown) => {
      exposed[name] = value;
    },
  },
  ipcRenderer: {
    invoke: (ch: string, payload: unknown) => handlers.get(ch)!({ sender: 'preload' }, payload),
    on: (ch: string, f: (e: unknown, p: unknown) => void) => rendererListeners.set(ch, f),
    off: (ch: string) => rendererListeners.delete(ch),
  },
}));

const { registerIpc, forwardEvents } = await import('../../src/main/ipcAdapter.ts');
const { API_ROUTES, EVENT_CHANNELS, MENU_CHANNEL } = await import('../../src/contract/apiRoutes.ts');
const { buildAppMenu } = await import('../../src/main/appMenu.ts');
const { RecentProjects } = await import('../../src/main/recentProjects.ts');
const { openProjectFolder } = await import('../../src/node/project/openProjectFolder.ts');
const { POSE_API } = await import('../../src/contract/poseApi.ts');
const { EDITOR_COMMANDS } = await import('../../src/core/edit/editorCommands.ts');
const { VIEW_COMMANDS } = await import('../../src/renderer/editor/viewCommands.ts');
const { CORRECTION_COMMANDS } = await import('../../src/renderer/editor/correctionCommands.ts');

describe('IPC adapter', () => {
  it('one handler per contract method; refuses other senders and payloads off the contract; errors travel as values', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-ipc-'));
    writeFileSync(
      path.join(root, 'a.png'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } })
        .png()
        .toBuffer(),
    );
    const project = await openProjectFolder(root);
    const trustedSender = {};
    const dispose = registerIpc(
      () => project.service,
      (e) => (e as { sender: unknown }).sender === trustedSender,
    );
    expect([...handlers.keys()].sort()).toEqual(
      Object.values(API_ROUTES)
        .map((r) => r.channel)
        .sort(),
    );
    const call = (payload: unknown, sender: unknown = trustedSender, method = 'listImages') =>
      handlers.get(API_ROUTES[method as 'listImages'].channel)!({ sender }, payload);
    expect(await call({}, {})).toEqual({ ok: false, error: 'this page may not call the app', code: 'forbidden' });
    expect(await call({ limit: -1 })).toMatchObject({
      ok: false,
      code: 'bad_request',
      error: expect.stringMatching(/listImages request: \$\.limit: .*integer ≥ 1/),
      details: [{ path: '$.limit', message: 'expected an integer ≥ 1 (below 2^53), got -1' }],
    });
    expect(await call({})).toMatchObject({
      ok: true,
      value: { total: 1, images: [{ relPath: 'a.png', status: 'unreviewed' }] },
    });
    expect(await call({ imageId: 99 }, trustedSender, 'getAnnotation')).toMatchObject({
      ok: false,
      code: 'not_found',
      error: 'no image 99 in this project',
    });
    dispose();
    expect(handlers.size).toBe(0);
    project.close();
  });

  it('forwards only events that fit the contract, to a live window', () => {
    const events = new EventEmitter();
    const sent: [string, unknown][] = [];
    const target = { isDestroyed: () => false, send: (ch: string, p: unknown) => sent.push([ch, p]) };
    const off = forwardEvents({ events } as never, target as never);
    events.emit('annotationChanged', { imageId: 1, revision: 2 });
    events.emit('annotationChanged', { imageId: 'x' });
    off();
    events.emit('annotationChanged', { imageId: 1, revision: 3 });
    expect(sent).toEqual([[EVENT_CHANNELS.annotationChanged, { imageId: 1, revision: 2 }]]);
  });
});

describe('preload bridge', () => {
  it('exposes one function per contract method (errors rethrown with their status), contract events only, menu commands', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-preload-'));
    const project = await openProjectFolder(root);
    const dispose = registerIpc(
      () => project.service,
      (e) => (e as { sender: unknown }).sender === 'preload',
    );
    await import('../../src/preload/preload.ts');
    const bridge = exposed.simplepose as {
      api: Record<string, (r: unknown) => Promise<unknown>>;
      mediaScheme: string;
      on(e: string, f: (p: unknown) => void): () => void;
      onMenu(f: (id: string) => void): () => void;
    };
    expect(Object.keys(bridge.api).sort()).toEqual(Object.keys(POSE_API).sort());
    expect(await bridge.api.listImages({})).toEqual({ total: 0, images: [] });
    await expect(bridge.api.getAnnotation({ imageId: 7 })).rejects.toMatchObject({
      message: 'no image 7 in this project',
      code: 'not_found',
      status: 404,
    });
    await expect(bridge.api.listImages({ limit: 'all' })).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    expect(() => bridge.on('shutdown', () => {})).toThrow(/unknown event shutdown/);
    const got: unknown[] = [];
    const off = bridge.on('jobFinished', (p) => got.push(p));
    rendererListeners.get(EVENT_CHANNELS.jobFinished)!({}, { jobId: 'j', status: 'done' });
    off();
    expect(rendererListeners.has(EVENT_CHANNELS.jobFinished)).toBe(false);
    const ids: string[] = [];
    bridge.onMenu((id) => ids.push(id));
    rendererListeners.get(MENU_CHANNEL)!({}, 'view.fit');
    expect(got).toEqual([{ jobId: 'j', status: 'done' }]);
    expect(ids).toEqual(['view.fit']);
    expect(bridge.mediaScheme).toBe('simplepose-media');
    dispose();
    project.close();
  });
});

describe('menus and recent projects', () => {
  it("every menu command is a command of the renderer tables, with that command's label and first shortcut", () => {
    const tables = [...EDITOR_COMMANDS, ...VIEW_COMMANDS, ...CORRECTION_COMMANDS];
    const ids = new Map(tables.map((c) => [c.id, c.shortcuts]));
    const labels = new Map(tables.map((c) => [c.id, c.label]));
    const sent: string[] = [];
    const template = buildAppMenu(
      ['/p/one'],
      { openFolder() {}, openTeam() {}, openRecent() {}, command: (id) => sent.push(id) },
      false,
    ) as unknown as {
      label: string;
      submenu: { label?: string; accelerator?: string; click?: () => void; registerAccelerator?: boolean }[];
    }[];
    const items = template.flatMap((m) => m.submenu).filter((i) => i.registerAccelerator === false);
    expect(items.length).toBeGreaterThan(10);
    for (const item of items) {
      item.click!();
      const id = sent.at(-1)!;
      expect(ids.has(id), id).toBe(true);
      expect(item.label, id).toBe(labels.get(id)); // read from the table, not restated
      // Electron names the arrow keys Left, Right, Up, Down (the DOM's ArrowLeft, …)
      expect(item.accelerator, id).toBe(
        ids
          .get(id)![0]
          .replace('Mod+', 'CmdOrCtrl+')
          .replace(/Arrow(\w+)$/, '$1'),
      );
    }
    expect(template[0].submenu[1]).toMatchObject({ label: 'Open Recent' });
    // The corrections (issue 15) have a menu of their own: every command of their table that runs without a key.
    const correct = template.find((m) => m.label === 'Correct')!.submenu.filter((i) => i.click);
    const menuIds = correct.map((i) => {
      i.click!();
      return sent.at(-1);
    });
    expect(menuIds).toEqual(CORRECTION_COMMANDS.map((c) => c.id).filter((id) => id !== 'correct.candidate'));
  });

  it('recent projects: newest first, no duplicates, at most max, survives a damaged file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-recent-'));
    const file = path.join(dir, 'recent.json');
    const r = new RecentProjects(file, 3);
    expect(r.list()).toEqual([]);
    for (const f of ['/a', '/b', '/c', '/a', '/d']) await r.add(f);
    expect(r.list()).toEqual(['/d', '/a', '/c']);
    writeFileSync(file, '{oops');
    expect(r.list()).toEqual([]);
    await r.add('/e');
    expect(r.list()).toEqual(['/e']);
  });
});
