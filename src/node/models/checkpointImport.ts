import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PoseEngine } from '../inference/poseEngine.ts';
import { cardPathFor } from '../inference/poseModel.ts';
import { lastLines, pythonProblem, runPython, type PythonRun } from './pythonProcess.ts';

export type ImportStage = 'checking' | 'loading' | 'exporting' | 'verifying';

export interface CheckpointImportOptions {
  /** The interpreter that runs the exporter (needs PyTorch). */
  python: string;
  /** The folder holding the project's `training/` package (the exporter: python -m training.export). */
  trainingRoot: string;
  /** The checkpoint file (already checked against the transport's exchange policy). */
  checkpoint: string;
  /** Where the ONNX model and its card are written (the project's models folder). */
  outDir: string;
  /** The model's file name, without .onnx. */
  name: string;
  signal?: AbortSignal;
  onProgress?: (stage: ImportStage, fraction: number, message: string) => void;
}

/** Why an import could not run or failed, in words a user can act on (which program or package is missing). */
export class CheckpointImportError extends Error {
  override name = 'CheckpointImportError';
}
export class ImportCancelledError extends Error {
  override name = 'ImportCancelledError';
}

/**
 * Converts a checkpoint of the official IMHN family (.pth) to the app's ONNX model + card: checks the Python
 * (present? PyTorch? the exporter?), runs `python -m training.export CKPT --out DIR/NAME.onnx --progress-json` in a
 * child process (killed on abort), then test-runs the result through the app's own loader (its probe). Returns the
 * ONNX path; on failure or cancel nothing of it is left in `outDir`.
 */
export async function importCheckpoint(o: CheckpointImportOptions): Promise<string> {
  const say = o.onProgress ?? (() => undefined);
  mkdirSync(o.outDir, { recursive: true });
  const onnx = uniqueModelPath(o.outDir, o.name);
  const leftovers = [onnx, `${onnx}.tmp.onnx`, cardPathFor(onnx), `${cardPathFor(onnx)}.tmp`];
  try {
    say('checking', 0.02, `checking ${o.python} (PyTorch, the exporter)`);
    await checkPython(o);
    say('loading', 0.1, `reading ${path.basename(o.checkpoint)}`);
    await runExporter(o, onnx, say);
    say('verifying', 0.85, `test-running ${path.basename(onnx)} in the app's inference engine`);
    const engine = await PoseEngine.start(onnx, { signal: o.signal, imageTimeLimitMs: 120_000 }).catch((e: Error) => {
      throw o.signal?.aborted
        ? new ImportCancelledError('the import was cancelled')
        : new CheckpointImportError(`the exported model does not run: ${e.message}`);
    });
    await engine.close();
    return onnx;
  } catch (e) {
    for (const f of leftovers) rmSync(f, { force: true });
    throw e;
  }
}

async function checkPython(o: CheckpointImportOptions): Promise<void> {
  const problem = await pythonProblem(o.python, o.trainingRoot, 'training.export', 'the checkpoint import', o.signal);
  if (o.signal?.aborted) throw new ImportCancelledError('the import was cancelled');
  if (problem) throw new CheckpointImportError(problem);
}

async function runExporter(
  o: CheckpointImportOptions,
  onnx: string,
  say: NonNullable<CheckpointImportOptions['onProgress']>,
): Promise<void> {
  const onLine = (line: string) => {
    let ev: { event?: string; parameters?: number; config?: { nstack?: number } };
    try {
      ev = JSON.parse(line);
    } catch {
      return; // the exporter's stdout carries only JSON with --progress-json; anything else is not progress
    }
    if (ev.event === 'loaded')
      say(
        'exporting',
        0.3,
        `exporting to ONNX: ${ev.config?.nstack ?? '?'} stacks, ${(ev.parameters ?? 0).toLocaleString('en-US')} parameters`,
      );
    else if (ev.event === 'exported') say('exporting', 0.75, `wrote ${path.basename(onnx)}; writing its card`);
  };
  const args = ['-m', 'training.export', o.checkpoint, '--out', onnx, '--progress-json'];
  const r = await run(o.python, args, o.trainingRoot, o.signal, onLine);
  if (r.code === 0 && existsSync(onnx) && existsSync(cardPathFor(onnx))) return;
  const why = lastLines(r.stderr).replace(/^export: /, '') || `exit code ${r.code}`;
  throw new CheckpointImportError(
    r.code === 3
      ? `${path.basename(o.checkpoint)} is not a checkpoint of the official IMHN family: ${why}`
      : `the exporter failed on ${path.basename(o.checkpoint)}: ${why}`,
  );
}

async function run(
  exe: string,
  args: string[],
  cwd: string,
  signal: AbortSignal | undefined,
  onLine?: (line: string) => void,
): Promise<PythonRun> {
  if (signal?.aborted) throw new ImportCancelledError('the import was cancelled');
  const r = await runPython(exe, args, { cwd, signal, onLine });
  if (r.aborted) throw new ImportCancelledError('the import was cancelled');
  return r;
}

/** DIR/NAME.onnx, or NAME-2.onnx, NAME-3.onnx, … when taken: an import never replaces a model a run used. */
export function uniqueModelPath(dir: string, name: string): string {
  const safe = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'model';
  for (let i = 1; ; i++) {
    const file = path.join(dir, `${safe}${i === 1 ? '' : `-${i}`}.onnx`);
    if (!existsSync(file) && !existsSync(cardPathFor(file))) return file;
  }
}
