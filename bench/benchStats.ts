import os from 'node:os';

/** Median of a list (mean of the middle two for even lengths). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length / 2;
  return s.length % 2 ? s[Math.floor(m)] : (s[m - 1] + s[m]) / 2;
}

/** One line describing the machine, for BENCHMARKS.md. */
export function machineLine(): string {
  return `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
}

export function fmt(v: number, digits = 2): string {
  return v.toFixed(digits);
}
