import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { isLabelled, type AnnotationState } from '../../core/edit/poseRecords.ts';
import { imageHardness } from '../../core/eval/imageHardness.ts';
import { MapCache } from './mapCache.ts';

export interface QueueEntry {
  imageId: number;
  key: number;
}

/**
 * The order in which to review a run's images (PRODUCT.md: review queue by model uncertainty and focal-L2
 * hardness), most in need first:
 * - 'uncertainty': the lowest joint score over the image's predicted persons (no person found = 0);
 * - 'hardness': focal L2 of the cached maps against the image's current annotation (the corrected poses),
 *   highest first; images without cached maps or annotation come last.
 */
export async function reviewQueue(
  db: ProjectDb,
  runId: number,
  by: 'uncertainty' | 'hardness',
  cacheDir: string,
  status = 'unreviewed',
): Promise<QueueEntry[]> {
  const rows = db
    .prepare(`SELECT i.id, i.width, i.height, i.content_hash, p.poses_json, a.persons_json FROM images i
    LEFT JOIN predictions p ON p.image_id = i.id AND p.run_id = ? LEFT JOIN annotations a ON a.image_id = i.id
    WHERE i.status = ? AND i.missing = 0`)
    .all(runId, status) as {
    id: number;
    width: number;
    height: number;
    content_hash: string;
    poses_json: string | null;
    persons_json: string | null;
  }[];
  if (by === 'uncertainty') {
    return rows
      .map((r) => {
        const poses = r.poses_json ? (JSON.parse(r.poses_json) as Pose[]) : [];
        const scores = poses.flatMap((p) => p.joints.filter((j) => j !== null).map((j) => j!.score));
        return { imageId: r.id, key: scores.length ? Math.min(...scores) : 0 };
      })
      .sort((a, b) => a.key - b.key || a.imageId - b.imageId);
  }
  const run = db
    .prepare(
      'SELECT r.scales, r.flip, m.content_hash FROM inference_runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?',
    )
    .get(runId) as { scales: string; flip: number; content_hash: string } | undefined;
  if (!run) throw new Error(`no run ${runId}`);
  const cache = new MapCache(db, cacheDir);
  const out: QueueEntry[] = [];
  for (const r of rows) {
    const passes = r.persons_json
      ? await cache.get({
          imageHash: r.content_hash,
          modelHash: run.content_hash,
          settings: { scales: JSON.parse(run.scales), flip: run.flip === 1 },
        })
      : null;
    if (!passes || !r.persons_json) {
      out.push({ imageId: r.id, key: -1 });
      continue;
    }
    const state = JSON.parse(r.persons_json) as AnnotationState;
    const persons = state.order
      .map((id) => state.persons[id])
      .filter((p) => !p.crowd)
      .map((p) => p.joints.map((j) => (isLabelled(j) ? { x: j.x, y: j.y } : null))); // v = 0: not labelled
    out.push({ imageId: r.id, key: imageHardness(r.width, r.height, passes, persons) });
  }
  return out.sort((a, b) => b.key - a.key || a.imageId - b.imageId);
}
