// `simplepose export --per-image DIR` names each file after its image's file_name with "/" replaced by "__". Before
// the fix, `sub/x.png` and `sub__x.png` both became `sub__x.png.json`: the second overwrote the first, and the
// command still said "wrote 2 files" — one image's annotations silently gone from the dataset. Names that differ
// only in case or Unicode normalisation collide the same way on macOS and Windows (and on a copy of the folder
// there). Every image now gets a file of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { main, type CliIo } from '../../src/cli/main.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';

const NAMES = ['sub/x.png', 'sub__x.png', 'A.png', 'a.png', 'caf\u00e9.png', 'cafe\u0301.png'];
let base: string, project: OpenProject;
beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'sp-per-image-'));
  const root = path.join(base, 'project');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#335577' } })
    .png()
    .toBuffer();
  for (const n of NAMES) writeFileSync(path.join(root, n), png);
  project = await openProjectFolder(root);
  const joints = Array.from({ length: 17 }, (_, i) => (i === 0 ? { x: 5, y: 5, v: 2, source: 'human' } : null));
  for (const im of (await project.service.listImages({})).images)
    await project.service.saveEdits({
      imageId: im.id,
      revision: 0,
      steps: [
        {
          kind: 'do',
          label: 'add person',
          diff: {
            added: { [`p${im.id}`]: { id: `p${im.id}`, joints, crowd: false } },
            updated: {},
            removed: {},
          } as never,
        },
      ],
    });
}, 60_000);
afterAll(async () => {
  await project?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('export --per-image', () => {
  it('writes one file per image, none replacing another, even where names collide by case or normalisation', async () => {
    const dir = path.join(base, 'per-image');
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => out.push(l) };
    // The images were only edited ("in progress"), which an export takes only when asked for all of them.
    const code = await main(['export', '--project', project.db.name, '--per-image', dir, '--all', '--json'], io);
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toMatchObject({ images: NAMES.length });
    const files = readdirSync(dir);
    expect(files).toHaveLength(NAMES.length);
    const folded = new Set(files.map((f) => f.normalize('NFC').toLowerCase()));
    expect(folded.size, 'distinct on a case- and normalisation-insensitive disk').toBe(NAMES.length);
    const described = files.map((f) => {
      const one = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      expect(one.annotations).toHaveLength(1);
      return one.images[0].file_name as string;
    });
    expect(described.sort()).toEqual([...NAMES].sort());
  });
  it('refuses, before writing any file, to replace a file that is not JSON (as the single-file export does)', async () => {
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => out.push(l) };
    const scratch = path.join(base, 'per-image-names');
    expect(await main(['export', '--project', project.db.name, '--per-image', scratch, '--all'], io)).toBe(0);
    const taken = readdirSync(scratch).sort()[0]; // a name the export writes
    const image = JSON.parse(readFileSync(path.join(scratch, taken), 'utf8')).images[0].file_name;
    out.length = 0;
    const dir = path.join(base, 'per-image-notes');
    mkdirSync(dir);
    const notes = path.join(dir, taken); // a user's file that happens to have the name of an image's export
    writeFileSync(notes, 'my notes, not JSON\n');
    const code = await main(['export', '--project', project.db.name, '--per-image', dir, '--all'], io);
    expect(code).toBe(2);
    expect(out.join('\n')).toBe(
      `simplepose export: export: cannot write ${notes}: it exists and is not a JSON file (an export replaces only an earlier JSON file); choose another file (nothing was written)`,
    );
    expect(readFileSync(notes, 'utf8')).toBe('my notes, not JSON\n');
    expect(readdirSync(dir)).toEqual([taken]);
    // an earlier export's JSON file is replaced as before
    writeFileSync(notes, '{"images": []}');
    expect(await main(['export', '--project', project.db.name, '--per-image', dir, '--all'], io)).toBe(0);
    expect(JSON.parse(readFileSync(notes, 'utf8')).images[0].file_name).toBe(image);
  });
});
