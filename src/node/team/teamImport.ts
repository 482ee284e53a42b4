import { diffMismatches, diffShapeProblems, stateProblems } from '../../core/edit/diffChecks.ts';
import { personsAsImported } from '../../core/edit/importedPersons.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../core/edit/poseRecords.ts';
import { applyDiff, isEmptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import type { ImageRecord, ImageStatus } from '../db/imageRepository.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import { importInto, newImageFacts, readCocoFile, type ImportResult } from '../project/cocoImport.ts';
import { measureRecordedSizes } from '../project/importedFiles.ts';
import type { ImportTarget } from '../project/importTarget.ts';
import type { TeamDb } from './openTeamDb.ts';
import { refuseEdit, teamAnnotationStore } from './teamAnnotationStore.ts';
import { notifyTeam } from './teamEvents.ts';
import { buildTeamCoco, teamDatasetMeta } from './teamExport.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { type TeamClient, teamWriteTransaction } from './teamTransaction.ts';

/**
 * Imports a COCO keypoints GT file (file names relative to the shared images folder `root`) into the team project
 * with the local import's own code and rules (importInto: matching, idempotence, corrections kept, accepted images
 * reopened, refused whole when it would not export). One write transaction holding the images table in EXCLUSIVE
 * mode (edits wait for it; reads go on): the project's rows are read into a draft, the import runs on it, and what
 * it changed is written — each changed image's persons as one edit by `userId` flagged as an import (team migration 003), a step of
 * that user's undo history of the image (undone and redone as any edit of theirs), announced to every client. The new images' files are hashed before the transaction.
 */
export async function importTeamCoco(
  team: TeamDb,
  cocoFile: string,
  root: string,
  userId: number,
  now = Date.now(),
): Promise<ImportResult> {
  const file = readCocoFile(cocoFile);
  const files = new ProjectFiles(root);
  const known = new Map((await teamImageRepository.all(team.pool)).map((im) => [im.relPath, im]));
  const facts = newImageFacts({ byPath: (p) => known.get(p) }, files, file.coco.images);
  // each record's size checked against its file's, as the local import does (measured before the transaction)
  const sizes = await measureRecordedSizes({ byPath: (p) => known.get(p) }, files, file.coco.images);
  return teamWriteTransaction(team.pool, `the import of ${cocoFile}`, async (c) => {
    await teamImageRepository.lockForPush(c);
    const draft = await ImportDraft.read(
      c,
      file.coco.images.map((im) => im.file_name),
    );
    const result = importInto(draft.target, file, files, facts, now, sizes);
    await draft.write(c, userId, now);
    return result;
  });
}

/** The team project's rows as an import target: changes are kept in memory, then written in the same transaction. */
class ImportDraft {
  readonly target: ImportTarget;
  private readonly images = new Map<number, ImageRecord>();
  private readonly added: ImageRecord[] = [];
  private readonly records = new Map<number, [string, number]>();
  private readonly statuses = new Map<number, ImageStatus>();
  private readonly edits: { imageId: number; diff: RecordDiff; label: string }[] = [];
  private readonly metaSet = new Map<string, string>();

  private readonly states: Map<number, AnnotationState>;
  private readonly importDiffs: Map<number, RecordDiff[]>;
  private readonly meta: Map<string, string>;
  private readonly reserved: number[];

  private constructor(
    images: ImageRecord[],
    states: Map<number, AnnotationState>,
    importDiffs: Map<number, RecordDiff[]>,
    meta: Map<string, string>,
    reserved: number[],
  ) {
    this.states = states;
    this.importDiffs = importDiffs;
    this.meta = meta;
    this.reserved = reserved;
    for (const im of images) this.images.set(im.id, im);
    const byPath = new Map(images.map((im) => [im.relPath, im.id]));
    const get = (id: number) => this.images.get(id);
    this.target = {
      images: {
        byPath: (p) => get(byPath.get(p) ?? -1),
        get,
        all: () => [...this.images.values()].sort(projectOrder),
        insert: (im) => {
          const row: ImageRecord = {
            status: 'unreviewed',
            reviewNote: null,
            latestScore: null,
            missing: false,
            ...im,
            id: this.reserved.shift()!,
          };
          this.images.set(row.id, row);
          byPath.set(row.relPath, row.id);
          this.added.push(row);
          return row.id;
        },
        setCocoRecord: (id, json, order) => {
          this.images.set(id, { ...get(id)!, cocoJson: json, sortKey: order });
          this.records.set(id, [json, order]);
        },
        setStatus: (id, status, ifStatus) => {
          if (get(id)?.status !== ifStatus) return;
          this.images.set(id, { ...get(id)!, status });
          this.statuses.set(id, status);
        },
      },
      annotations: {
        state: (id) => this.states.get(id) ?? EMPTY_ANNOTATION,
        stored: (id) => this.states.get(id),
        importedPersons: (id) => personsAsImported(this.importDiffs.get(id) ?? []),
        apply: (id, diff, label) => this.apply(id, diff, label),
      },
      meta: {
        json: teamDatasetMeta(this.meta),
        setJson: (k, v) => {
          this.meta.set(k, JSON.stringify(v));
          this.metaSet.set(k, JSON.stringify(v));
        },
      },
      checkExport: () => void buildTeamCoco({ images: this.target.images.all(), states, meta }, { all: true }),
    };
  }

  /** The rows an import reads (inside its transaction, after the lock), and ids for the files new to the project. */
  static async read(c: TeamClient, fileNames: string[]): Promise<ImportDraft> {
    const images = await teamImageRepository.all(c);
    const paths = new Set(images.map((im) => im.relPath));
    const fresh = new Set(fileNames.filter((f) => !paths.has(f))).size;
    return new ImportDraft(
      images,
      await teamAnnotationStore.all(c),
      await teamAnnotationStore.importDiffs(c),
      await teamMetaRepository.all(c),
      await teamImageRepository.reserveIds(c, fresh),
    );
  }

  /** An import's edit, checked as the team store checks it when it is written (a refusal: ApiError, 422). */
  private apply(imageId: number, diff: RecordDiff, label: string): AnnotationState {
    refuseEdit(diffShapeProblems(diff, this.images.get(imageId)!, true));
    const cur = this.states.get(imageId) ?? EMPTY_ANNOTATION;
    refuseEdit(diffMismatches(cur, diff));
    if (isEmptyDiff(diff)) return cur;
    const next = applyDiff(cur, diff);
    refuseEdit(stateProblems(next));
    this.states.set(imageId, next);
    this.edits.push({ imageId, diff, label });
    return next;
  }

  /** Writes what the import changed, through the tables' own modules. */
  async write(c: TeamClient, userId: number, now: number): Promise<void> {
    await teamImageRepository.insertWithIds(c, this.added, now);
    for (const [id, [json, order]] of this.records) await teamImageRepository.setCocoRecord(c, id, json, order);
    for (const [id, status] of this.statuses) await teamImageRepository.setStatus(c, id, status);
    for (const [k, v] of this.metaSet) await teamMetaRepository.set(c, k, v);
    for (const e of this.edits) {
      const { revision } = await teamAnnotationStore.load(c, e.imageId, true);
      // a new entry of the importing user's history of the image (teamUndo.ts): undone and redone as the local
      // project's import entry is
      const { cursor } = await teamAnnotationStore.historyPosition(c, e.imageId, userId);
      const step = { kind: 'do' as const, seq: cursor + 1, cursor: cursor + 1, length: cursor + 1, undoes: null };
      const saved = await teamAnnotationStore.save(c, { ...e, revision, userId, now, imported: true, step });
      await notifyTeam(c, { kind: 'annotation', imageId: e.imageId, revision: saved.revision, userId });
    }
  }
}

/** Project order as both stores sort it: sort keys (none first), then paths byte by byte. */
function projectOrder(a: ImageRecord, b: ImageRecord): number {
  if (a.sortKey !== b.sortKey) {
    if (a.sortKey === null) return -1;
    if (b.sortKey === null) return 1;
    return a.sortKey - b.sortKey;
  }
  return Buffer.compare(Buffer.from(a.relPath), Buffer.from(b.relPath));
}
