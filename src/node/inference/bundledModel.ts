import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (or installed package) this module runs from: src/node/inference → its root. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The model that ships with the app (resources/models), for the CLI, `serve` and scripts running from the sources;
 * the desktop app passes its own resources path (main.ts), since its bundle lives elsewhere.
 */
export const BUNDLED_MODEL_PATH = path.join(PACKAGE_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');

/**
 * The Python a checkpoint import runs: SIMPLEPOSE_PYTHON, else Debian's /usr/bin/python3 (python3-torch); the
 * `python3` first on PATH is often another one without PyTorch.
 */
export const DEFAULT_PYTHON = process.env.SIMPLEPOSE_PYTHON || '/usr/bin/python3';
