// A small project for the Train job's tests: the sample images, the first `established` of them imported with their
// ground truth (established: what training takes), the rest unreviewed; helpers that wait for a job's events.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PoseEvent, PoseRequest, PoseResponse } from '../../src/contract/poseApi.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import type { ProjectServiceOptions } from '../../src/node/project/projectService.ts';
import type { TrainingOptions } from '../../src/node/db/trainingRepository.ts';
import { PROJECT_ROOT } from './fixturePaths.ts';

export const SAMPLE_DIR = path.join(PROJECT_ROOT, 'resources', 'sample-project');
export const BUNDLED_MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');

/** The options of a training the tests record without running a trainer (the micro network, 4 steps). */
export const MICRO_TRAINING: TrainingOptions = {
  steps: 4,
  minutes: null,
  seed: 0,
  valFraction: 0.2,
  config: 'micro',
  inputSize: 128,
  batch: 2,
  threads: 1,
};

/** A folder with the sample images and `gt.json`: the COCO ground truth of the first `established` images. */
export function trainFolder(parent: string, established: number, images = 24): string {
  const dir = mkdtempSync(path.join(parent, 'train-project-'));
  mkdirSync(path.join(dir, 'photos'));
  const coco = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'annotations.json'), 'utf8'));
  const names = readdirSync(path.join(SAMPLE_DIR, 'images')).sort().slice(0, images);
  for (const n of names) copyFileSync(path.join(SAMPLE_DIR, 'images', n), path.join(dir, 'photos', n));
  const kept = coco.images.slice(0, established).map((im: { file_name: string }) => ({
    ...im,
    file_name: `photos/${im.file_name}`,
  }));
  const ids = new Set(kept.map((im: { id: number }) => im.id));
  const gt = {
    ...coco,
    images: kept,
    annotations: coco.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)),
  };
  writeFileSync(path.join(dir, 'gt.json'), JSON.stringify(gt));
  return dir;
}

/** The folder opened as a project with its ground truth imported. */
export async function trainProject(dir: string, options: ProjectServiceOptions = {}): Promise<OpenProject> {
  const p = await openProjectFolder(dir, { modelPath: BUNDLED_MODEL, ...options });
  await p.service.importCoco({ path: path.join(dir, 'gt.json') });
  return p;
}

export const tmpBase = () => mkdtempSync(path.join(tmpdir(), 'sp-train-'));

/** Starts nothing: collects the events of job `jobId` until its last one (done, cancelled, failed). */
export function trainEvents(
  p: OpenProject,
  jobId: string,
  onEvent?: (e: PoseEvent<'trainProgress'>) => void,
): Promise<PoseEvent<'trainProgress'>[]> {
  const events: PoseEvent<'trainProgress'>[] = [];
  return new Promise((resolve) => {
    const f = (e: PoseEvent<'trainProgress'>) => {
      if (e.jobId !== jobId) return;
      events.push(e);
      onEvent?.(e);
      if (['done', 'failed', 'cancelled'].includes(e.stage)) {
        p.service.events.off('trainProgress', f);
        resolve(events);
      }
    };
    p.service.events.on('trainProgress', f);
  });
}

/** Runs detection with the project's setup and waits for its end. */
export async function detect(p: OpenProject, rerun = false): Promise<string> {
  const { jobId } = await p.service.startDetect(rerun ? { rerun } : {});
  return new Promise((resolve) => {
    const f = (e: PoseEvent<'jobFinished'>) => {
      if (e.jobId !== jobId) return;
      p.service.events.off('jobFinished', f);
      resolve(e.status);
    };
    p.service.events.on('jobFinished', f);
  });
}

type Comparison = NonNullable<PoseResponse<'listComparisons'>['comparisons'][number]['result']>;

/** compareModels as a job: started, followed to its end (`onEvent` sees each event), its kept result as listed. */
export async function compareModels(
  p: Pick<OpenProject, 'service'>,
  request: PoseRequest<'compareModels'> = {},
  onEvent?: (e: PoseEvent<'compareProgress'>) => void,
): Promise<Comparison> {
  const events: PoseEvent<'compareProgress'>[] = [];
  const f = (e: PoseEvent<'compareProgress'>) => {
    events.push(e);
    onEvent?.(e);
  };
  p.service.events.on('compareProgress', f);
  try {
    const { jobId, comparisonId } = await p.service.compareModels(request);
    const ended = () => events.find((e) => e.jobId === jobId && e.stage !== 'running');
    while (!ended()) await new Promise((r) => setTimeout(r, 20));
    const end = ended()!;
    if (end.stage !== 'done') throw new Error(`the comparison ${end.stage}: ${end.message}`);
    const listed = (await p.service.listComparisons({})).comparisons.find((x) => x.id === comparisonId);
    return listed!.result!;
  } finally {
    p.service.events.off('compareProgress', f);
  }
}
