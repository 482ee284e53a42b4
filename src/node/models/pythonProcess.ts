import { spawn } from 'node:child_process';

/** How to get PyTorch, said wherever the app needs the project's Python code (checkpoint import, training). */
export const INSTALL_TORCH =
  'install PyTorch for it (Debian/Ubuntu: sudo apt-get install python3-torch python3-onnx; elsewhere: pip install torch onnx), ' +
  'or start the app with a Python that has it (simplepose serve --python PATH, or SIMPLEPOSE_PYTHON=PATH)';

/** The probe run first: which Python it is, and whether torch and the project's module import. One JSON line. */
const probeScript = (module: string) => `
import json, sys
r = {'python': sys.version.split()[0], 'executable': sys.executable}
for name in ('torch', ${JSON.stringify(module)}):
    try:
        m = __import__(name, fromlist=['_'])
        r[name] = getattr(m, '__version__', 'ok')
    except Exception as e:
        r[name] = None
        r[name + '_error'] = f'{type(e).__name__}: {e}'
print(json.dumps(r))
`;

export interface PythonRun {
  code: number | null;
  /** The signal that ended the process (SIGKILL: killed from outside, or by the abort). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
  /** The abort signal fired while it ran. */
  aborted: boolean;
}

export interface PythonRunOptions {
  cwd: string;
  signal?: AbortSignal;
  /** Each complete line of stdout as it arrives. */
  onLine?: (line: string) => void;
  /** How an abort stops it: SIGKILL (default) or SIGTERM (the trainer checkpoints), SIGKILL after `graceMs`. */
  abortWith?: 'SIGKILL' | 'SIGTERM';
  graceMs?: number;
  onSpawn?: (pid: number) => void;
}

/** Runs `python args` (unbuffered, so progress arrives as it goes); resolves when it has exited, whatever the end. */
export function runPython(exe: string, args: string[], o: PythonRunOptions): Promise<PythonRun> {
  return new Promise((resolve) => {
    // The project's own package must import from `cwd`.
    const child = spawn(exe, args, { cwd: o.cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' }, stdio: 'pipe' });
    let stdout = '',
      stderr = '',
      partial = '',
      aborted = false,
      grace: NodeJS.Timeout | undefined;
    const abort = () => {
      aborted = true;
      child.kill(o.abortWith ?? 'SIGKILL');
      if (o.abortWith === 'SIGTERM') grace = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 60_000);
    };
    if (o.signal?.aborted) abort();
    else o.signal?.addEventListener('abort', abort, { once: true });
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    child.stdout.on('data', (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-1_000_000);
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) o.onLine?.(l);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    const done = (r: Omit<PythonRun, 'stdout' | 'stderr' | 'aborted'>) => {
      o.signal?.removeEventListener('abort', abort);
      clearTimeout(grace);
      resolve({ ...r, stdout, stderr, aborted });
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      done({ code: null, signal: null, spawnError: e.code ?? e.message }),
    );
    child.on('close', (code, signal) => done({ code, signal }));
  });
}

/**
 * Whether `python` can run the project's `module` (`training.export`, `training.finetune`): null when it can, else
 * what is missing — the program, PyTorch, the module — in words a user can act on. `purpose` says what it is for.
 */
export async function pythonProblem(
  python: string,
  trainingRoot: string,
  module: string,
  purpose: string,
  signal?: AbortSignal,
): Promise<string | null> {
  const r = await runPython(python, ['-c', probeScript(module)], { cwd: trainingRoot, signal });
  if (r.aborted) return null; // the caller sees its own signal
  if (r.spawnError)
    return r.spawnError === 'ENOENT'
      ? `Python was not found at "${python}": ${purpose} runs the project's ${module} with it; ${INSTALL_TORCH}`
      : `Python at "${python}" cannot be started (${r.spawnError})`;
  let probe: Record<string, string | null>;
  try {
    probe = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    return `"${python}" is not a working Python 3 (exit ${r.code}): ${lastLines(r.stderr || r.stdout) || 'no output'}`;
  }
  if (!probe.torch)
    return `PyTorch is not installed for ${python} (Python ${probe.python}: ${probe.torch_error}); ${INSTALL_TORCH}`;
  if (!probe[module])
    return `the project's ${module} (${module.replace('.', '/')}.py under ${trainingRoot}) does not load in ${python}: ${probe[`${module}_error`]}`;
  return null;
}

/** The last meaningful lines of a program's error output (Python warnings about shape inference dropped). */
export function lastLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/Warning|^_C\.|^warnings\.warn/.test(l))
    .slice(-3)
    .join(' ')
    .slice(0, 2000);
}
