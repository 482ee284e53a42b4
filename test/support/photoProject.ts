import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';

/** Makes a folder of `n` small PNG photos (w × h, each its own colour) and opens it as a project. */
export async function photoProject(n: number, w = 64, h = 48): Promise<OpenProject> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-studio-'));
  mkdirSync(path.join(root, 'photos'));
  for (let i = 0; i < n; i++)
    await sharp({ create: { width: w, height: h, channels: 3, background: { r: 40 * i, g: 90, b: 200 - 10 * i } } })
      .png()
      .toFile(path.join(root, 'photos', `img${String(i).padStart(3, '0')}.png`));
  return openProjectFolder(root);
}
