import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseCocoGt, parseCocoResults } from '../core/coco/cocoJson.ts';
import { evaluateKeypoints, STAT_NAMES } from '../core/eval/cocoEval.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';

export const EVAL_HELP = `Usage: simplepose eval --gt GT.json --results RES.json [--image-ids 1,2,3] [--json]

OKS keypoint AP/AR exactly as pycocotools COCOeval (iouType keypoints, maxDets 20).

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
    options: { gt: { type: 'string' }, results: { type: 'string' }, 'image-ids': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { io.out(EVAL_HELP); return EXIT.ok; }
  if (!values.gt || !values.results) throw new CliError('eval: --gt and --results are required (see simplepose eval --help)', EXIT.usage);
  const gt = parseCocoGt(await readText(values.gt), `ground truth ${values.gt}`);
  const gtIds = new Set(gt.images.map((i) => i.id));
  const results = parseCocoResults(await readText(values.results), gtIds, `results ${values.results}`);
  let imageIds: number[] | undefined;
  if (values['image-ids'] !== undefined) {
    imageIds = values['image-ids'].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
    const bad = imageIds.filter((id) => !Number.isInteger(id) || !gtIds.has(id));
    if (bad.length || imageIds.length === 0) throw new CliError(`eval: --image-ids must list image ids of the ground truth; not found: ${bad.join(', ') || '(empty list)'}`, EXIT.usage);
  }
  const stats = evaluateKeypoints(gt, results, { imageIds });
  for (const k of STAT_NAMES) io.out(` ${LABELS[k]} = ${stats[k].toFixed(3)}`);
  if (values.json) io.out(JSON.stringify(stats));
  return EXIT.ok;
}

export async function readText(file: string): Promise<string> {
  try { return await readFile(file, 'utf8'); }
  catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`);
  }
}
