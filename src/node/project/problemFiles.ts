/**
 * Files the app could not use, as the user should see them (listProblems): those the folder scan could not read,
 * and images whose detection failed (the latest outcome per file: a later success clears it). In memory: the scan
 * runs at every open, and a failed detection is retried by the next run.
 */
export class ProblemFiles {
  private readonly scan: { relPath: string; reason: string }[];
  private readonly detection = new Map<string, string>();

  constructor(unreadable: { relPath: string; reason: string }[]) {
    this.scan = unreadable.slice(0, 10_000);
  }

  /** An image's detection ended: `error` null when its prediction was stored. */
  detected(relPath: string, error: string | null): void {
    if (error === null) this.detection.delete(relPath);
    else this.detection.set(relPath, error);
  }

  list(): { relPath: string; reason: string; stage: 'scan' | 'detection' }[] {
    return [
      ...this.scan.map((f) => ({ ...f, reason: f.reason.slice(0, 10_000), stage: 'scan' as const })),
      ...[...this.detection].map(([relPath, reason]) => ({
        relPath,
        reason: reason.slice(0, 10_000),
        stage: 'detection' as const,
      })),
    ].slice(0, 10_000);
  }
}
