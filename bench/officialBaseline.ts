// The official post-processing (bench/official/official_decode.py: evaluate.py's flip average, upsampling, mean,
// find_peaks, find_connections, find_people in NumPy/OpenCV/PyTorch, as the reference spec states them) timed on
// decode cases in a long-lived Python process, as the baseline of the decoder benchmarks.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
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

/** One Python process (NumPy, OpenCV, PyTorch imported once) that times cases on request. */
export class OfficialBaseline {
  private readonly py: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor() {
    this.py = spawn(PYTHON, [SCRIPT, '--serve'], { cwd: PROJECT_ROOT });
    this.lines = createInterface({ input: this.py.stdout })[Symbol.asyncIterator]();
    this.py.stderr.on('data', (d) => process.stderr.write(d));
  }

  /** The official pipeline's time on one case: the median of `reps` runs. */
  async time(caseJson: string, reps: number): Promise<OfficialTiming> {
    this.py.stdin.write(`${reps} ${caseJson}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`official baseline exited (${PYTHON} ${SCRIPT})`);
    const j = JSON.parse(value) as { upsample_average: number; assignment: number; peaks: number; persons: number };
    return { case: caseJson, ms: (j.upsample_average + j.assignment) * 1000, peaks: j.peaks, persons: j.persons };
  }

  close(): void {
    this.py.stdin.end();
  }
}
