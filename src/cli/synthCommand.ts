import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSynthDataset } from '../node/synth/writeSynthDataset.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';

export const SYNTH_HELP = `Usage: simplepose synth --out DIR --count N --seed S [--size 512x384] [--persons 1-6] [--templates FILE,...]

Renders synthetic people (articulated figures with human proportions and joint limits, poses from a prior and from
real COCO poses, shaded clothing, clutter, occlusion) as JPEGs in DIR/images and their COCO keypoints in
DIR/annotations.json (validated; area = silhouette pixels, segmentation = silhouette RLE). Deterministic for a seed.

  --templates LIST   COCO keypoint files whose poses are reused (default: ../shared/data/coco-mini annotations
                     when present beside the checkout; without any, poses come from the prior only)
  -h, --help         this text`;

export async function synthCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string', default: '512x384' },
      persons: { type: 'string', default: '1-6' },
      templates: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  if (!values.out || values.count === undefined || values.seed === undefined)
    throw new CliError('synth: --out, --count and --seed are required', EXIT.usage);
  const count = Number(values.count),
    seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1)
    throw new CliError(`synth: --count must be a positive integer, got "${values.count}"`, EXIT.usage);
  if (!Number.isInteger(seed)) throw new CliError(`synth: --seed must be an integer, got "${values.seed}"`, EXIT.usage);
  const size = /^(\d+)x(\d+)$/.exec(values.size);
  if (!size || +size[1] < 64 || +size[2] < 64 || +size[1] > 4096 || +size[2] > 4096)
    throw new CliError(`synth: --size must be WxH between 64 and 4096, got "${values.size}"`, EXIT.usage);
  const persons = /^(\d+)(?:-(\d+))?$/.exec(values.persons);
  const minP = persons ? +persons[1] : NaN,
    maxP = persons ? +(persons[2] ?? persons[1]) : NaN;
  if (!persons || minP < 0 || maxP < minP || maxP > 50)
    throw new CliError(`synth: --persons must be N or MIN-MAX within 0..50, got "${values.persons}"`, EXIT.usage);
  const shared = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    'shared',
    'data',
    'coco-mini',
    'annotations',
  );
  const templateFiles =
    values.templates !== undefined
      ? values.templates.split(',').filter(Boolean)
      : ['person_keypoints_train2017.json', 'person_keypoints_val2017.json']
          .map((f) => path.join(shared, f))
          .filter((f) => existsSync(f));
  const t0 = performance.now();
  const tty = process.stderr.isTTY;
  const r = await writeSynthDataset({
    outDir: values.out,
    count,
    seed,
    width: +size[1],
    height: +size[2],
    minPersons: minP,
    maxPersons: maxP,
    templateFiles,
    onProgress: (done, total) => {
      if (tty && (done % 20 === 0 || done === total)) process.stderr.write(`\rsynth ${done}/${total}`);
    },
  });
  if (tty) process.stderr.write('\n');
  io.out(
    JSON.stringify({
      images: count,
      persons: r.persons,
      templates: r.templates,
      annotations: r.annotationsFile,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    }),
  );
  return EXIT.ok;
}
