import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { ModelInfo } from '../../contract/apiPayloads.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { modelFacts } from '../../core/model/modelFacts.ts';
import { modelRepository, type ModelRecord } from '../db/modelRepository.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import { DEFAULT_PYTHON, PACKAGE_ROOT } from '../inference/bundledModel.ts';
import { imagesToDetect } from '../jobs/detectJob.ts';
import { detectSettingsProblem } from '../jobs/detectSettings.ts';
import { SYNTH_DATASET_DESCRIPTION } from '../synth/writeSynthDataset.ts';
import {
  modelFile,
  readDetectSetup,
  readRawCard,
  registerModelFile,
  requestedModelPath,
  writeDetectSetup,
} from './detectSetup.ts';
import { startModelImport } from './modelImportJob.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

type Setup = PoseResponse<'getDetectSetup'>;

/**
 * The service's models and detection settings: the project's setup as the API serves it (getDetectSetup,
 * setDetectSetup: the one set the app and `simplepose detect` both use) and the checkpoint import (importModel: a
 * job in the service's job table, so cancelJob and shutdown reach it).
 */
export function modelMethods(
  c: ServiceContext,
): Pick<ProjectService, 'getDetectSetup' | 'setDetectSetup' | 'importModel'> {
  const { db, root, setup } = c;
  const python = c.options.python ?? DEFAULT_PYTHON;
  const infoOf = (file: string, row: ModelRecord | undefined) =>
    info(file, row?.id ?? null, file === setup.bundledModel, row?.rawCardJson ?? null);
  const view = (): Setup => {
    const model = setup.inUse();
    const run = setup.currentRun();
    const registered = modelRepository(db)
      .registered()
      .filter((r) => modelFile(root, r.path) !== setup.bundledModel);
    return {
      settings: readDetectSetup(db).settings,
      model: infoOf(model.file, model.row),
      models: [
        infoOf(setup.bundledModel, modelRepository(db).byPath(setup.bundledModel)),
        ...registered.map((r) => infoOf(modelFile(root, r.path), r)),
      ].slice(0, 200),
      currentRunId: run,
      toDetect: imagesToDetect(db, run ?? undefined).length,
      photos: !holdsSyntheticImages(db, root),
      python,
    };
  };
  return {
    async getDetectSetup() {
      return view();
    },
    async setDetectSetup({ settings, modelId, modelPath }) {
      const problem = detectSettingsProblem(settings);
      if (problem) throw new ApiError('bad_request', problem);
      let id = modelId === undefined ? readDetectSetup(db).modelId : modelId;
      if (modelPath !== undefined) {
        const file = requestedModelPath(modelPath, c.exchange, root, setup.bundledModel);
        id = await registerModelFile(db, root, file, setup.bundledModel);
      } else if (id !== null && !modelRepository(db).get(id))
        throw new ApiError('not_found', `no model ${id} in this project`);
      writeDetectSetup(db, { settings, modelId: id });
      return view();
    },
    async importModel(r) {
      const trainingRoot = c.options.trainingRoot ?? PACKAGE_ROOT;
      const { exchange, events, jobs } = c;
      return startModelImport(
        { db, root, exchange, python, trainingRoot, bundledModel: setup.bundledModel, events, jobs },
        r,
      );
    },
  };
}

function info(file: string, id: number | null, bundled: boolean, rawCard: string | null): ModelInfo {
  const raw = rawCard ?? readRawCard(file);
  let card: unknown = null;
  try {
    card = raw === null ? null : JSON.parse(raw);
  } catch {
    card = null; // a card that does not parse is reported by the loader when the model runs
  }
  return {
    id,
    path: file,
    name: path.basename(file).replace(/\.onnx$/i, ''),
    exists: existsSync(file),
    bundled,
    facts: modelFacts(card),
  };
}

/**
 * Whether the project holds `simplepose synth` images (the sample project, a synthetic dataset) rather than photos:
 * its imported COCO file, or a synth `annotations.json` at the folder's top, says so.
 */
function holdsSyntheticImages(db: ProjectDb, root: string): boolean {
  const imported = projectMetaRepository(db).json('coco_info') as { description?: unknown } | null | undefined;
  if (imported?.description === SYNTH_DATASET_DESCRIPTION) return true;
  try {
    const fd = openSync(path.join(root, 'annotations.json'), 'r');
    try {
      const head = Buffer.alloc(2048);
      const n = readSync(fd, head, 0, head.length, 0);
      const text = head.subarray(0, n).toString('utf8');
      return new RegExp(`"description"\\s*:\\s*"${SYNTH_DATASET_DESCRIPTION}"`).test(text);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
