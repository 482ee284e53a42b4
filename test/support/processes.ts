import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** Whether a process with this id exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: kill(0) is all we know
  }
}

/** Ids of the live child processes of `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(path.join('/proc', name, 'stat'), 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Polls `check` every 20 ms; resolves with the ms it took, or rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

/**
 * Images for the attack models (test/fixtures/model/hang.onnx, nan.onnx act on network inputs wider than 256 px):
 * at scale 0.25 (height 128) `square` stays 128 wide, `wide` becomes 512; at scale 1 every photo is wide.
 */
export async function writeAttackImages(dir: string): Promise<{ square: string; wide: string }> {
  const square = path.join(dir, 'a-square.png'),
    wide = path.join(dir, 'b-wide.png');
  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 120, b: 200 } } })
      .png()
      .toBuffer();
  writeFileSync(square, await png(96, 96));
  writeFileSync(wide, await png(400, 100));
  return { square, wide };
}

/** Live inference worker processes started for `modelPath` (their command line names it; Linux /proc). */
export function inferenceWorkerPids(modelPath: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(path.join('/proc', name, 'cmdline'), 'utf8');
      if (
        cmd.includes('inferenceWorker') &&
        cmd.includes(JSON.stringify(modelPath).slice(1, -1)) &&
        isAlive(Number(name))
      )
        out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A copy of an attack model (and its card) under a path of its own, so that its worker can be told apart. */
export function copyModel(fixture: string, dir: string, name: string): string {
  const to = path.join(dir, `${name}.onnx`);
  copyFileSync(fixture, to);
  copyFileSync(fixture.replace(/\.onnx$/, '.card.json'), path.join(dir, `${name}.card.json`));
  return to;
}
