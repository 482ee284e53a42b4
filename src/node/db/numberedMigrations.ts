import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A schema migration: version N is the schema after file N. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The numbered migrations of a folder (NNN-name.sql), in order, for either store (the SQLite project, the team
 * database); a gap or a duplicate number is refused with `outOfSequence(file, expected)`.
 */
export function readNumberedMigrations(
  dir: string,
  outOfSequence: (file: string, expected: string) => Error,
): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f))
    .sort();
  return files.map((f, i) => {
    const version = Number(f.slice(0, 3));
    if (version !== i + 1) throw outOfSequence(f, String(i + 1).padStart(3, '0'));
    return { version, name: f, sql: readFileSync(path.join(dir, f), 'utf8') };
  });
}
