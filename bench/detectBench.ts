// npm run bench:detect — detection throughput as users meet it, against the bare network, in one run:
//   app   the project service's job (startDetect, as the desktop app and web mode run it; events on), in a child process
//   cli   `simplepose detect FOLDER --rerun --json` as a child process (the same settings)
//   bare  session.run alone on the same images' pre-processed inputs (same batch: flip pair), in a child process,
//         for several ONNX Runtime thread settings (the default first)
// each job with its own images/s (the job's clock starts before its first image; model load excluded) and its steady
// rate (first to last progress event), rounds interleaved, medians and per-round ratios. Then where one image's time goes when the stages run one after another
// (decode image, pre-process, network, decode maps, store). Models: the bundled one and the small official-family
// one (`python3 -m training.make_bench_models --only small`, made when missing).
// With --baseline DIR (a checkout of an earlier commit, with node_modules), its app job and CLI run in the same rounds.
//   node bench/detectBench.ts [--rounds 3] [--images 24] [--models tiny,small] [--folder DIR] [--baseline DIR]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, machineLine, median } from './benchStats.ts';
import { bareThroughput, stageShares, type Threading } from './detectStages.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SETTINGS = { scales: [1], flip: true, mode: 'fast' as const };
const MODELS: Record<string, string> = {
  tiny: path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx'),
  small: path.join(root, '.tmp', 'bench-models', 'small.onnx'),
};
const THREADINGS: Threading[] = [
  { label: 'default: cores, no spinning', env: {} },
  { label: 'cores, spinning', env: { SIMPLEPOSE_ORT_SPINNING: '1' } },
  { label: '1 thread', env: { SIMPLEPOSE_ORT_THREADS: '1' } },
];

if (process.argv[2] === '--bare') {
  const [, , , model, folder, n] = process.argv;
  console.log(JSON.stringify(await bareThroughput(model, imagesOf(folder, Number(n)), SETTINGS)));
  process.exit(0);
}
if (process.argv[2] === '--stages') {
  const [, , , model, folder, n] = process.argv;
  console.log(JSON.stringify(await stageShares(model, imagesOf(folder, Number(n)), SETTINGS)));
  process.exit(0);
}

const { values } = parseArgs({
  args: process.argv[2] === '--app' ? [] : process.argv.slice(2), // --app MODEL FOLDER CODE: one app job (below)
  options: {
    rounds: { type: 'string', default: '3' },
    images: { type: 'string', default: '24' },
    models: { type: 'string', default: 'tiny,small' },
    folder: { type: 'string', default: path.join(root, 'resources', 'sample-project', 'images') },
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.images);
const models = values.models.split(',');
if (models.includes('small') && !existsSync(MODELS.small)) {
  console.error('making the small benchmark model (python3 -m training.make_bench_models --only small)…');
  const r = spawnSync('/usr/bin/python3', ['-m', 'training.make_bench_models', '--only', 'small'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('cannot make the small model: Debian python3-torch and python3-onnx are needed');
}

function imagesOf(folder: string, n: number): string[] {
  return readdirSync(folder)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .slice(0, n)
    .map((f) => path.join(folder, f));
}

/** A fresh project folder holding copies of the first `count` images. */
function projectFolder(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `sp-detect-bench-${name}-`));
  for (const f of imagesOf(values.folder, count)) cpSync(f, path.join(dir, path.basename(f)));
  return dir;
}

/** Runs a child to its end; `onLine` sees each stdout line as it comes. */
function child(args: string[], env: Record<string, string> = {}, onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    c.stdout.on('data', (d) => {
      const from = out.lastIndexOf('\n') + 1;
      out += String(d);
      if (onLine) for (const line of out.slice(from).split('\n').slice(0, -1)) onLine(line);
    });
    c.stderr.on('data', (d) => (err += String(d)));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`))));
  });
}

async function bare(model: string, folder: string, t: Threading): Promise<Rates> {
  const out = await child([fileURLToPath(import.meta.url), '--bare', model, folder, String(count)], t.env);
  return { '': (JSON.parse(out.trim().split('\n').at(-1)!) as { imagesPerSecond: number }).imagesPerSecond };
}

/**
 * A job's figures: its own images/s (what the app shows: from the job's start, the first image's pre-processing
 * and a fresh worker's warm-up included) and its steady rate, from the first progress event to the last (like the
 * bare network's loop, which runs one warm-up input first).
 */
type Rates = Record<string, number>;
const jobRates = (job: number, progressAtMs: number[]): Rates => ({
  '': job,
  ' steady': (progressAtMs.length - 1) / ((progressAtMs.at(-1)! - progressAtMs[0]) / 1000),
});

async function cli(model: string, folder: string, code = root): Promise<Rates> {
  const args = [
    'detect',
    folder,
    '--model',
    model,
    '--scales',
    '1',
    '--flip',
    '--provider',
    'cpu',
    '--rerun',
    '--json',
  ];
  const at: number[] = [];
  const out = await child([path.join(code, 'bin', 'simplepose.js'), ...args], {}, (line) => {
    if (line.includes('"event":"progress"')) at.push(performance.now());
  });
  const last = JSON.parse(out.trim().split('\n').at(-1)!) as { status: string; done: number; imagesPerSecond: number };
  if (last.status !== 'done' || last.done < count) throw new Error(`cli: ${JSON.stringify(last)}`);
  return jobRates(last.imagesPerSecond, at);
}

/**
 * The service's job as the app runs it, in a process of its own as the app's is (not this one, which holds both
 * checkouts' modules and the earlier steps' garbage), from the code of `code` (this checkout, or the baseline).
 */
async function app(model: string, folder: string, code = root): Promise<Rates> {
  const out = await child([fileURLToPath(import.meta.url), '--app', model, folder, code]);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Rates;
}

async function appJob(model: string, folder: string, code: string): Promise<Rates> {
  const { openProjectDb } = await import(path.join(code, 'src/node/db/openProjectDb.ts'));
  const { syncImages } = await import(path.join(code, 'src/node/project/syncImages.ts'));
  const { createProjectService } = await import(path.join(code, 'src/node/project/projectService.ts'));
  const db = openProjectDb(path.join(folder, '.simplepose.sqlite'));
  await syncImages(db, folder);
  // the model is the bench's (any file, as the CLI takes): the app confines a page's choice to its own folders
  const service = createProjectService(db, folder, { exchange: { kind: 'any' } });
  let rate = 0;
  const at: number[] = [];
  const finished = new Promise<{ status: string; message?: string }>((resolve) => {
    service.events.on('jobProgress', (p: { imagesPerSecond: number }) => {
      rate = p.imagesPerSecond;
      at.push(performance.now());
    });
    service.events.once('jobFinished', resolve);
  });
  await service.startDetect({ modelPath: model, settings: SETTINGS, rerun: true });
  const end = await finished;
  await service.shutdown();
  db.close();
  if (end.status !== 'done') throw new Error(`app: ${JSON.stringify(end)}`);
  return jobRates(rate, at);
}

if (process.argv[2] === '--app') {
  const [, , , model, folder, code] = process.argv;
  console.log(JSON.stringify(await appJob(model, folder, code)));
  process.exit(0);
}

console.log(
  `machine: ${machineLine()}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${count} images of ${values.folder}, scale 1 + flip, fast mode, CPU provider, ${rounds} rounds`,
);
for (const name of models) {
  const model = MODELS[name];
  const folders = { app: projectFolder('app'), cli: projectFolder('cli'), bare: projectFolder('bare') };
  const rows: Record<string, number[]> = {};
  const before = values.baseline;
  for (let r = 0; r < rounds; r++) {
    // the order turns each round, so that a drift of the machine's load does not favour one path
    const steps: [string, () => Promise<Rates>][] = [
      ['app', () => app(model, folders.app)],
      ['cli', () => cli(model, folders.cli)],
      ...THREADINGS.map((t): [string, () => Promise<Rates>] => [t.label, () => bare(model, folders.bare, t)]),
    ];
    if (before)
      steps.push(
        ['app (baseline)', () => app(model, folders.app, before)],
        ['cli (baseline)', () => cli(model, folders.cli, before)],
      );
    for (let k = 0; k < steps.length; k++) {
      const [label, run] = steps[(k + r) % steps.length];
      for (const [suffix, v] of Object.entries(await run())) {
        rows[label + suffix] ??= [];
        rows[label + suffix].push(v);
      }
    }
    console.error(
      `${name} round ${r + 1}: ${Object.entries(rows)
        .map(([k, v]) => `${k} ${fmt(v[r], 3)}`)
        .join(', ')}`,
    );
  }
  const base = THREADINGS[0].label;
  const ratio = (a: string, b: string) => median(rows[a].map((v, i) => v / rows[b][i]));
  const stages = JSON.parse(
    (await child([fileURLToPath(import.meta.url), '--stages', model, folders.bare, String(count)])).trim(),
  );
  console.log(
    JSON.stringify({
      model: name,
      images_per_s: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Number(fmt(median(v), 3))])),
      app_over_cli: Number(fmt(ratio('app', 'cli'), 3)),
      app_over_bare: Number(fmt(ratio('app', base), 3)),
      cli_over_bare: Number(fmt(ratio('cli', base), 3)),
      steady_app_over_bare: Number(fmt(ratio('app steady', base), 3)),
      steady_cli_over_bare: Number(fmt(ratio('cli steady', base), 3)),
      ...(before && {
        baseline_app_over_bare: Number(fmt(ratio('app (baseline)', base), 3)),
        baseline_steady_app_over_bare: Number(fmt(ratio('app (baseline) steady', base), 3)),
        app_over_baseline_app: Number(fmt(ratio('app', 'app (baseline)'), 3)),
        cli_over_baseline_cli: Number(fmt(ratio('cli', 'cli (baseline)'), 3)),
      }),
      bare_threadings_over_default: Object.fromEntries(
        THREADINGS.map((t) => [t.label, Number(fmt(ratio(t.label, base), 3))]),
      ),
      serial_stage_share: stages,
      load_average_after: Number(fmt(loadavg()[0], 1)),
    }),
  );
}
