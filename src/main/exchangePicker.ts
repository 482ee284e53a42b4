import path from 'node:path';
import type { ExchangePolicy, ExchangePurpose } from '../node/fs/projectPaths.ts';

/**
 * What the dialog is for: a COCO keypoints file (exportCoco/importCoco), a checkpoint (importModel) or an ONNX
 * model (setDetectSetup / startDetect naming a model file).
 */
export type ExchangeFile = 'coco' | 'checkpoint' | 'model';

/**
 * Opens the native save (export) or open (import) dialog at `defaultPath` for a kind of file; the chosen path, or
 * null if cancelled.
 */
export type ShowExchangeDialog = (
  purpose: ExchangePurpose,
  defaultPath: string,
  file: ExchangeFile,
) => Promise<string | null>;

/** The native dialog's title and file filter for a purpose and kind of file. */
export function exchangeDialog(
  purpose: ExchangePurpose,
  file: ExchangeFile,
): { title: string; filters: { name: string; extensions: string[] }[] } {
  if (file === 'model')
    return { title: 'Choose a model', filters: [{ name: 'ONNX model (official IMHN family)', extensions: ['onnx'] }] };
  if (file === 'checkpoint')
    return {
      title: 'Import a checkpoint',
      filters: [{ name: 'PyTorch checkpoint (official IMHN family)', extensions: ['pth', 'pt', 'tar'] }],
    };
  return {
    title: purpose === 'export' ? 'Export COCO keypoints' : 'Import COCO keypoints',
    filters: [{ name: 'COCO keypoints JSON', extensions: ['json'] }],
  };
}

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
  async pick(
    purpose: ExchangePurpose,
    suggested: unknown,
    folder: string,
    file: ExchangeFile = 'coco',
  ): Promise<string | null> {
    this.picked.delete(purpose);
    const name = typeof suggested === 'string' ? path.basename(suggested) : '';
    const chosen = await this.show(
      purpose,
      path.join(folder, name || (purpose === 'export' ? 'coco-keypoints.json' : '')),
      file,
    );
    if (!chosen) return null;
    const abs = path.resolve(chosen);
    this.picked.set(purpose, abs);
    return abs;
  }
}
