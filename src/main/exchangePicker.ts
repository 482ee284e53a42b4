import path from 'node:path';
import type { ExchangePolicy, ExchangePurpose } from '../node/fs/projectPaths.ts';

/** Opens the native save (export) or open (import) dialog at `defaultPath`; the chosen path, or null if cancelled. */
export type ShowExchangeDialog = (purpose: ExchangePurpose, defaultPath: string) => Promise<string | null>;

/**
 * Electron's exchange files: the page never names a file the app writes or reads. An exportCoco/importCoco call
 * from the renderer opens a native dialog of the main process (the page's path only suggests the file name, in
 * the project folder); the path the user chose is recorded, and `policy` — the service's ExchangePolicy — accepts
 * exactly that path, once, for that purpose.
 */
export class ExchangePicker {
  private readonly show: ShowExchangeDialog;
  private readonly picked = new Map<ExchangePurpose, string>();
  readonly policy: ExchangePolicy;
  constructor(show: ShowExchangeDialog) {
    this.show = show;
    this.policy = {
      kind: 'picked',
      take: (purpose, file) => {
        const ok = this.picked.get(purpose) === path.resolve(file);
        this.picked.delete(purpose);
        return ok;
      },
    };
  }

  /** Asks the user; the chosen absolute path (now the only one the policy accepts), or null when cancelled. */
  async pick(purpose: ExchangePurpose, suggested: unknown, folder: string): Promise<string | null> {
    this.picked.delete(purpose);
    const name = typeof suggested === 'string' ? path.basename(suggested) : '';
    const chosen = await this.show(
      purpose,
      path.join(folder, name || (purpose === 'export' ? 'coco-keypoints.json' : '')),
    );
    if (!chosen) return null;
    const abs = path.resolve(chosen);
    this.picked.set(purpose, abs);
    return abs;
  }
}
