// Electron's export/import paths under Node: `electron` is replaced by a recorder of the IPC handlers, the native
// dialog by a function that answers as the user would; the project, its service and database are real. The page's
// path is never the one written or read: only the file chosen in the main process's dialog, once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, f: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(ch, f),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
}));

const { registerIpc } = await import('../../src/main/ipcAdapter.ts');
const { API_ROUTES } = await import('../../src/contract/apiRoutes.ts');
const { ExchangePicker, exchangeDialog } = await import('../../src/main/exchangePicker.ts');
const { makeAttackProject, projectSnapshot } = await import('../support/attackProject.ts');

let p: Awaited<ReturnType<typeof makeAttackProject>>, dispose: () => void;
const dialogs: { purpose: string; defaultPath: string; file?: string }[] = [];
let answer: string | null = null;
const picker = new ExchangePicker(async (purpose, defaultPath, file) => {
  dialogs.push({ purpose, defaultPath, ...(file === 'coco' ? {} : { file }) });
  return answer;
});
const sender = {};
const call = (method: string, payload: unknown) =>
  handlers.get(API_ROUTES[method as 'exportCoco'].channel)!({ sender }, payload);

beforeAll(async () => {
  p = await makeAttackProject({ exchange: picker.policy });
  p.project.db.prepare("UPDATE images SET status = 'no_person' WHERE id = ?").run(p.imageId);
  dispose = registerIpc(
    () => p.project.service,
    (e) => (e as { sender: unknown }).sender === sender,
    { pickExchangeFile: (purpose, suggested, file) => picker.pick(purpose, suggested, p.root, file) },
  );
}, 60_000);
afterAll(() => {
  dispose?.();
  p?.close();
});

describe('Electron export/import paths', () => {
  it("export writes where the user chose in the native dialog, never at the page's path", async () => {
    const pagePath = path.join(p.outside, 'evil.json');
    answer = path.join(p.outside, 'chosen.json'); // the user may choose any folder
    const r = await call('exportCoco', { path: pagePath, onlyReviewed: false, kind: 'gt' });
    expect(r).toMatchObject({ ok: true, value: { images: 1 } });
    expect(dialogs.at(-1)).toEqual({ purpose: 'export', defaultPath: path.join(p.root, 'evil.json') });
    expect(existsSync(pagePath)).toBe(false);
    expect(JSON.parse(readFileSync(answer, 'utf8')).images).toHaveLength(1);
  });
  it('a cancelled dialog writes nothing; a chosen project database is still refused', async () => {
    const before = projectSnapshot(p);
    answer = null;
    expect(await call('exportCoco', { path: path.join(p.root, 'x.json'), onlyReviewed: false, kind: 'gt' })).toEqual({
      ok: false,
      code: 'bad_request',
      error: 'no file chosen: the export dialog was cancelled',
    });
    answer = path.join(p.root, '.simplepose.sqlite');
    expect(await call('exportCoco', { path: 'x.json', onlyReviewed: false, kind: 'gt' })).toMatchObject({
      ok: false,
      code: 'forbidden',
      error: expect.stringMatching(/it is the project database/),
    });
    expect(projectSnapshot(p)).toBe(before);
  });
  it('the service accepts only the path just picked, once, for its purpose', async () => {
    const chosen = path.join(p.root, 'once.json');
    const direct = { path: chosen, onlyReviewed: false, kind: 'gt' as const };
    await expect(p.project.service.exportCoco(direct)).rejects.toThrow(/not the file chosen in the export dialog/);
    answer = chosen;
    expect(await picker.pick('export', 'whatever.json', p.root)).toBe(chosen);
    await expect(p.project.service.importCoco({ path: chosen })).rejects.toThrow(/not the file chosen in the import/);
    await expect(p.project.service.exportCoco(direct)).resolves.toMatchObject({ images: 1 });
    await expect(p.project.service.exportCoco(direct)).rejects.toThrow(/not the file chosen/); // used up
  });
  it("import reads the file chosen in the open dialog, not the page's", async () => {
    writeFileSync(path.join(p.outside, 'bad.json'), '{ not coco');
    answer = path.join(p.outside, 'chosen.json'); // the export made above
    const r = await call('importCoco', { path: path.join(p.outside, 'bad.json') });
    expect(r).toMatchObject({ ok: true, value: { images: 1, persons: 0 } });
    expect(dialogs.at(-1)).toEqual({ purpose: 'import', defaultPath: path.join(p.root, 'bad.json') });
  });
  it("a checkpoint import reads the file chosen in the open dialog, not the page's", async () => {
    writeFileSync(path.join(p.outside, 'chosen.pth'), 'a checkpoint');
    answer = path.join(p.outside, 'chosen.pth');
    const r = await call('importModel', { checkpoint: path.join(p.outside, 'page.pth') });
    expect(r).toMatchObject({ ok: true, value: { jobId: expect.any(String) } });
    // the open dialog lists checkpoints (whatever name the page suggested), not COCO files
    expect(dialogs.at(-1)).toEqual({
      purpose: 'import',
      defaultPath: path.join(p.root, 'page.pth'),
      file: 'checkpoint',
    });
    expect(exchangeDialog('import', 'checkpoint')).toEqual({
      title: 'Import a checkpoint',
      filters: [{ name: 'PyTorch checkpoint (official IMHN family)', extensions: ['pth', 'pt', 'tar'] }],
    });
    expect(exchangeDialog('import', 'coco').filters[0].extensions).toEqual(['json']);
    expect(exchangeDialog('export', 'coco').title).toBe('Export COCO keypoints');
    await expect(p.project.service.importModel({ checkpoint: answer })).rejects.toThrow(/not the file chosen/);
    await p.project.service.shutdown(); // the import job (of a junk file) is not the point here
  });
  it('without a dialog (no pickExchangeFile) the IPC adapter refuses exports and imports', async () => {
    dispose();
    dispose = registerIpc(
      () => p.project.service,
      (e) => (e as { sender: unknown }).sender === sender,
    );
    expect(
      await call('exportCoco', { path: path.join(p.root, 'y.json'), onlyReviewed: false, kind: 'gt' }),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    expect(existsSync(path.join(p.root, 'y.json'))).toBe(false);
  });
});
