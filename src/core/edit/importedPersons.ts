import type { PersonRecord } from './poseRecords.ts';
import type { RecordDiff } from './recordDiff.ts';

/**
 * Each person as the latest import that touched it left it (null: that import removed it), given an image's import
 * diffs newest first; persons no import made are absent. What a re-import compares a person with to tell whether it
 * was edited since (either store's history feeds it).
 */
export function personsAsImported(importDiffsNewestFirst: Iterable<RecordDiff>): Map<string, PersonRecord | null> {
  const out = new Map<string, PersonRecord | null>();
  const take = (id: string, p: PersonRecord | null) => void (out.has(id) || out.set(id, p));
  for (const diff of importDiffsNewestFirst) {
    for (const [id, p] of Object.entries(diff.added)) take(id, p);
    for (const [id, [, p]] of Object.entries(diff.updated)) take(id, p);
    for (const id of Object.keys(diff.removed)) take(id, null);
  }
  return out;
}
