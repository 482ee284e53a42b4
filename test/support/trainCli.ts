// `simplepose train` in a process of its own (the CLI as users start it: bin/simplepose.js), and the project's
// latest training read from its database file, for the Train job's multi-process tests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { trainingRepository } from '../../src/node/db/trainingRepository.ts';
import { PROJECT_ROOT } from './fixturePaths.ts';

export type CliTrainEvent = { stage: string; step: number; message: string };

/** `simplepose train DIR …` in a process of its own, its JSON events as they come. */
export function trainProcess(dir: string, args: string[], onEvent: (e: CliTrainEvent) => void) {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'train', dir, ...args, '--json'],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let partial = '',
    err = '';
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) onEvent(JSON.parse(l));
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit, stderr: () => err };
}

/** The project's latest training as its database file says now. */
export function trainingRow(dir: string) {
  const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
  try {
    return trainingRepository(db).all()[0];
  } finally {
    db.close();
  }
}
