import type { TrainingOptions } from '../db/trainingRepository.ts';
import { lastLines, runPython, type PythonRun } from '../models/pythonProcess.ts';

/** One JSON line of the trainer (training/progress.py; --progress-json). */
export type TrainerEvent =
  | { event: 'start'; step: number; steps: number; device?: string }
  | { event: 'progress'; step: number; steps: number; loss: number; step_loss?: number; eta_s?: number }
  | { event: 'val'; step: number; val_loss: number; onnx?: string }
  | { event: 'checkpoint'; step: number; path: string }
  | { event: 'cancelled'; step: number; path: string }
  | { event: 'exported'; onnx: string; card: string; step: number }
  | { event: 'done'; step: number }
  | { event: 'failed'; message: string };

export interface TrainerRun {
  python: string;
  trainingRoot: string;
  /** The project's ground truth for it (a GT export) and the folder its file names are relative to. */
  gtFile: string;
  imagesDir: string;
  outDir: string;
  /** The model fine-tuned (ONNX with its card); null: a new model of `options.config`. */
  init: string | null;
  options: TrainingOptions;
  resume: boolean;
  signal?: AbortSignal;
  onEvent: (e: TrainerEvent) => void;
  onSpawn?: (pid: number) => void;
}

/** How often (in steps) validation runs, and a checkpoint is written, for a budget of steps (8 times in all). */
export function intervalSteps(steps: number | null): number {
  return steps === null ? 100 : Math.max(1, Math.ceil(steps / 8));
}

/** The trainer's command line: `python -m training.finetune …` for these options. */
export function trainerArgs(r: TrainerRun): string[] {
  const o = r.options;
  const every = String(intervalSteps(o.steps));
  const args = ['-m', 'training.finetune', '--coco', r.gtFile, '--images', r.imagesDir, '--out', r.outDir];
  args.push('--config', r.init ? 'auto' : o.config, '--seed', String(o.seed), '--val-fraction', String(o.valFraction));
  args.push('--input-size', String(o.inputSize), '--batch', String(o.batch), '--val-every', every);
  args.push('--checkpoint-every', every, '--val-onnx', '--exit-with-parent', '--progress-json');
  if (r.init) args.push('--init', r.init);
  if (o.steps !== null) args.push('--max-steps', String(o.steps));
  if (o.minutes !== null) args.push('--max-minutes', String(o.minutes));
  if (o.threads !== null) args.push('--threads', String(o.threads));
  if (r.resume) args.push('--resume');
  return args;
}

/**
 * Runs the project's trainer in a child process (training.finetune: split, focal L2, the paper's augmentation, CUDA
 * when present) and hands each JSON line to `onEvent`. An abort sends SIGTERM: the trainer finishes its step,
 * writes its checkpoint and exits 130 (SIGKILL if it has not after a minute).
 */
export async function runTrainer(r: TrainerRun): Promise<PythonRun & { why: string }> {
  const onLine = (line: string) => {
    let ev: TrainerEvent;
    try {
      ev = JSON.parse(line) as TrainerEvent;
    } catch {
      return; // with --progress-json stdout carries only JSON; anything else is not progress
    }
    if (ev && typeof ev === 'object' && typeof ev.event === 'string') r.onEvent(ev);
  };
  const run = await runPython(r.python, trainerArgs(r), {
    cwd: r.trainingRoot,
    signal: r.signal,
    onLine,
    abortWith: 'SIGTERM',
    onSpawn: r.onSpawn,
  });
  const why = lastLines(run.stderr).replace(/^(finetune|train): /, '');
  return { ...run, why };
}
