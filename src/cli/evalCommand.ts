import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseCocoGt, parseCocoResults } from '../core/coco/cocoJson.ts';
import { evaluateKeypoints, STAT_NAMES, type CocoStats } from '../core/eval/cocoEval.ts';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { evaluateRun } from '../node/project/evaluationService.ts';
import { CliError, EXIT, refusalAsUsage } from './cliError.ts';
import { runOption } from './runOption.ts';
import type { CliIo } from './main.ts';
import { projectFileArg } from './projectArg.ts';

export const EVAL_HELP = `Usage: simplepose eval --gt GT.json --results RES.json [--image-ids 1,2,3] [--json]
       simplepose eval --project FILE [--run N] [--json]

OKS keypoint AP/AR exactly as pycocotools COCOeval (iouType keypoints, maxDets 20). With --project: the model's
predictions of a run (default: the latest finished one) against the reviewed annotations (accepted and
"no person" images).

  --gt FILE          COCO keypoints ground truth
  --results FILE     COCO keypoints results (a flat array)
  --image-ids LIST   evaluate only these image ids (comma-separated); default: every GT image
  --json             also print the ten numbers as one JSON object on the last line
  -h, --help         this text

Exit codes: 0 ok, 2 usage error, 3 unreadable or malformed input.`;

const LABELS: Record<string, string> = {
  AP: 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ]',
  AP50: 'Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets= 20 ]',
  AP75: 'Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets= 20 ]',
  APm: 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ]',
  APl: 'Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ]',
  AR: 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ]',
  AR50: 'Average Recall     (AR) @[ IoU=0.50      | area=   all | maxDets= 20 ]',
  AR75: 'Average Recall     (AR) @[ IoU=0.75      | area=   all | maxDets= 20 ]',
  ARm: 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ]',
  ARl: 'Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ]',
};

export async function evalCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      gt: { type: 'string' },
      results: { type: 'string' },
      'image-ids': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      project: { type: 'string' },
      run: { type: 'string' },
    },
  });
  if (values.help) {
    io.out(EVAL_HELP);
    return EXIT.ok;
  }
  if (values.project) return evalProject(projectFileArg(values.project), values.run, values.json, io);
  if (!values.gt || !values.results)
    throw new CliError('eval: --gt and --results (or --project) are required (see simplepose eval --help)', EXIT.usage);
  const gt = parseCocoGt(await readText(values.gt), `ground truth ${values.gt}`);
  const gtIds = new Set(gt.images.map((i) => i.id));
  const results = parseCocoResults(await readText(values.results), gtIds, `results ${values.results}`);
  let imageIds: number[] | undefined;
  if (values['image-ids'] !== undefined) {
    imageIds = values['image-ids']
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
    const bad = imageIds.filter((id) => !Number.isInteger(id) || !gtIds.has(id));
    if (bad.length || imageIds.length === 0)
      throw new CliError(
        `eval: --image-ids must list image ids of the ground truth; not found: ${bad.join(', ') || '(empty list)'}`,
        EXIT.usage,
      );
  }
  printStats(evaluateKeypoints(gt, results, { imageIds }), values.json, io);
  return EXIT.ok;
}

function printStats(stats: CocoStats, json: boolean, io: CliIo): void {
  for (const k of STAT_NAMES) io.out(` ${LABELS[k]} = ${stats[k].toFixed(3)}`);
  if (json) io.out(JSON.stringify(stats));
}

/** The service's evaluation of a run (default: the latest finished one) against the project's reviewed images. */
function evalProject(file: string, run: string | undefined, json: boolean, io: CliIo): number {
  const runId = runOption(run, 'eval');
  const db = openProjectDb(file, { readonly: true });
  try {
    const r = refusalAsUsage(file, () => evaluateRun(db, runId));
    io.err(`run ${r.runId} on ${r.images} reviewed image(s)`);
    printStats(r.overall, json, io);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`,
    );
  }
}
