// A project laid out for the security attacks (test/security, test/e2e/crossOriginAttack, bench/attackBench): real
// images inside the project folder, a real image and a password-like file outside it, a file swapped for a link
// that leaves the project after the scan, and a snapshot of everything an attack could change (the project
// database's rows and every file below the base folder).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import type { ProjectServiceOptions } from '../../src/node/project/projectService.ts';

export const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

export interface AttackProject {
  base: string;
  root: string;
  outside: string;
  project: OpenProject;
  /** An image of the project. */
  imageId: number;
  /** A project image replaced, after the scan, by a link to a real image outside the project folder. */
  swappedId: number;
  close(): void;
}

const png = (w: number, h: number, background: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background } })
    .png()
    .toBuffer();

export async function makeAttackProject(options: ProjectServiceOptions = {}): Promise<AttackProject> {
  const base = mkdtempSync(path.join(tmpdir(), 'sp-attack-'));
  const root = path.join(base, 'project');
  const outside = path.join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(root, 'a.png'), await png(40, 30, '#204060'));
  writeFileSync(path.join(root, 'swapped.png'), await png(20, 10, '#ffffff'));
  writeFileSync(path.join(outside, 'secret.png'), await png(97, 61, '#ff0000'));
  writeFileSync(path.join(outside, 'passwd'), PASSWD);
  const project = await openProjectFolder(root, options);
  const id = (rel: string) => project.db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get(rel) as number;
  // After the scan, the file becomes a link out of the project (another program, or an attacker with the folder).
  rmSync(path.join(root, 'swapped.png'));
  symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'swapped.png'));
  return {
    base,
    root,
    outside,
    project,
    imageId: id('a.png'),
    swappedId: id('swapped.png'),
    close: () => {
      project.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Everything an attack could change: the rows of every table that holds the user's work, and every file below the
 * base folder with its size and mtime (the database's -wal/-shm files and the thumbnail cache excepted: they change
 * when the legitimate page reads).
 */
export function projectState(p: AttackProject): {
  images: { id: number; status: string }[];
  annotations: unknown[];
  edits: number;
  meta: unknown[];
  runs: number;
  files: string[];
} {
  const db = p.project.db;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const rel = path.relative(p.base, abs);
      if (/-(wal|shm)$/.test(name) || rel.includes(`${path.sep}thumbs`)) continue;
      const st = statSync(abs, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(abs);
      else files.push(`${rel} ${st?.size} ${st?.mtimeMs}`);
    }
  };
  walk(p.base);
  return {
    images: db.prepare('SELECT id, rel_path, status, missing, coco_json FROM images ORDER BY id').all() as {
      id: number;
      status: string;
    }[],
    annotations: db.prepare('SELECT * FROM annotations ORDER BY image_id').all(),
    edits: db.prepare('SELECT COUNT(*) FROM edits').pluck().get() as number,
    meta: db.prepare('SELECT * FROM project_meta ORDER BY key').all(),
    runs: db.prepare('SELECT COUNT(*) FROM inference_runs').pluck().get() as number,
    files,
  };
}

export function projectSnapshot(p: AttackProject): string {
  return JSON.stringify(projectState(p));
}

/** Writes between two states: changed image rows and annotations, new edits and runs, new or changed files. */
export function writesBetween(a: ReturnType<typeof projectState>, b: ReturnType<typeof projectState>): number {
  const rows = (x: unknown[], y: unknown[]) => {
    const before = new Set(x.map((r) => JSON.stringify(r)));
    return y.filter((r) => !before.has(JSON.stringify(r))).length;
  };
  const files = new Set(a.files);
  return (
    rows(a.images, b.images) +
    rows(a.annotations, b.annotations) +
    rows(a.meta, b.meta) +
    Math.max(0, b.edits - a.edits) +
    Math.max(0, b.runs - a.runs) +
    b.files.filter((f) => !files.has(f)).length
  );
}
