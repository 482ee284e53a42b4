import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';

/** The folder a project file records as its own (the images' root: a scan or an import wrote it), if any. */
export function recordedRoot(db: ProjectDb): string | undefined {
  return db.prepare("SELECT value FROM project_meta WHERE key = 'root'").pluck().get() as string | undefined;
}

/**
 * Records `dir` as the project's folder when the project has none yet (a project made by `import --images DIR`),
 * so that `serve --project FILE` finds its images; returns the folder the project records now.
 */
export function recordRootIfAbsent(db: ProjectDb, dir: string): string {
  return writeTransaction(db, "recording the project's folder", () => {
    const had = recordedRoot(db);
    if (had !== undefined) return had;
    const abs = path.resolve(dir);
    db.prepare("INSERT INTO project_meta (key, value) VALUES ('root', ?)").run(abs);
    return abs;
  });
}
