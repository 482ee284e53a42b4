import type { ProjectDb } from '../db/openProjectDb.ts';

/** The id of the project's most recent finished inference run, or undefined when there is none. */
export function latestFinishedRun(db: ProjectDb): number | undefined {
  return db.prepare("SELECT id FROM inference_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1").pluck().get() as
    | number
    | undefined;
}
