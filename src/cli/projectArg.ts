import { statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DB_NAME } from '../node/project/openProjectFolder.ts';

/**
 * The project database a `--project` argument names: a project file, or a project folder (its .simplepose.sqlite,
 * the file `detect FOLDER` and the app make there).
 */
export function projectFileArg(arg: string): string {
  return statSync(arg, { throwIfNoEntry: false })?.isDirectory() ? path.join(arg, PROJECT_DB_NAME) : arg;
}
