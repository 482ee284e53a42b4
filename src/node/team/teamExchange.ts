import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { exportTarget, importSource, type ExchangePolicy } from '../fs/projectPaths.ts';
import type { LeftOutImage } from '../project/cocoExport.ts';
import { buildCocoResults } from '../project/cocoResults.ts';
import { exportScope, NO_RUN_TO_EXPORT, writeGtFile, writeResultsFile } from '../project/exchangeService.ts';
import { projectCacheDir } from '../project/mapCache.ts';
import type { TeamDb } from './openTeamDb.ts';
import { buildTeamCoco, teamDatasetRows } from './teamExport.ts';
import { importTeamCocoInThread } from './teamImportThread.ts';
import { teamRunOf } from './teamReview.ts';
import { requireAdmin, requireReviewer } from './teamRights.ts';
import { teamRunRepository } from './teamRunRepository.ts';
import { teamReadTransaction } from './teamTransaction.ts';
import type { TeamUser } from './teamUserRepository.ts';

/**
 * The COCO exchange of a team project from the app, with the local rules: the same scopes (exportScope), the file
 * named checked by the same exchange policy as web mode's (`exchange`: a folder on the server's machine; the team
 * store's map cache is never a target), the same export code on one snapshot of the team database, written
 * atomically. Exports are a reviewer's or an admin's (they hold every image's ground truth); an import (teamImport:
 * the local import's code, in a thread of its own: teamImportThread) is an admin's, from a file the same policy lets
 * it read.
 */
export function teamExchangeMethods(
  team: TeamDb,
  user: TeamUser,
  o: { imagesRoot: string; exchange: ExchangePolicy },
): Pick<PoseApi, 'exportCoco' | 'importCoco'> {
  return {
    async exportCoco({ path: requested, onlyReviewed, all, kind }) {
      requireReviewer(user, 'exporting the dataset');
      const scope = exportScope(onlyReviewed, all);
      const out = exportTarget(requested, o.exchange, { cacheDir: projectCacheDir(o.imagesRoot) });
      const read = await teamReadTransaction(team.pool, async (c) => {
        const rows = await teamDatasetRows(c);
        if (kind === 'gt') return { rows, predicted: null };
        const run = await teamRunOf(c, undefined, () => new ApiError('conflict', NO_RUN_TO_EXPORT));
        const hashes = new Map(rows.images.map((im) => [im.id, im.contentHash]));
        return { rows, predicted: await teamRunRepository.predictionsOf(c, run, hashes) };
      });
      if (read.predicted) return writeResultsFile(out, buildCocoResults(read.rows.images, read.predicted, scope));
      const leftOut: LeftOutImage[] = [];
      return writeGtFile(out, buildTeamCoco(read.rows, { ...scope, leftOut }), leftOut);
    },
    async importCoco({ path: requested }) {
      requireAdmin(user, 'importing COCO');
      return importTeamCocoInThread(team, importSource(requested, o.exchange), o.imagesRoot, user.id);
    },
  };
}
