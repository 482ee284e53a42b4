// The official post-processing (bench/official/official_decode.py: evaluate.py's flip average, upsampling, mean,
// find_peaks, find_connections, find_people in NumPy/OpenCV/PyTorch, as the reference spec states them) timed on
// decode cases, in its own Python process, as the baseline of the decoder benchmarks.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(PROJECT_ROOT, 'bench', 'official', 'official_decode.py');

export interface OfficialTiming {
  case: string;
  /** upsample_average + assignment (the fixtures' official_seconds split), ms: median of `reps` runs. */
  ms: number;
  peaks: number;
  persons: number;
}

/** Times the official pipeline on each case (median of `reps` runs per case, after the process warmed up). */
export function officialTimes(cases: string[], reps: number): OfficialTiming[] {
  const r = spawnSync(PYTHON, [SCRIPT, '--reps', String(reps), ...cases], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`official baseline failed (${PYTHON} ${SCRIPT}): ${r.stderr.slice(-2000)}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const j = JSON.parse(line) as {
        case: string;
        upsample_average: number;
        assignment: number;
        peaks: number;
        persons: number;
      };
      return { case: j.case, ms: (j.upsample_average + j.assignment) * 1000, peaks: j.peaks, persons: j.persons };
    });
}
