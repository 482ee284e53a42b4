import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../node/fs/writeFileAtomic.ts';

/** Most recently opened project folders first, at most `max`, kept in a JSON file (the app's user-data folder). */
export class RecentProjects {
  private readonly file: string;
  private readonly max: number;
  constructor(file: string, max = 10) {
    this.file = file;
    this.max = max;
  }

  list(): string[] {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, this.max) : [];
    } catch {
      return [];
    } // missing or damaged: start a new list
  }

  async add(folder: string): Promise<string[]> {
    const abs = path.resolve(folder);
    const next = [abs, ...this.list().filter((x) => x !== abs)].slice(0, this.max);
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 1)}\n`);
    return next;
  }
}
