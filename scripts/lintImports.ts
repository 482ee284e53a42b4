// Runs the import-boundary rule (scripts/importBoundaries.ts) over src/; exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImports } from './importBoundaries.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|tsx)$/.test(name)) files.push(p);
  }
};
walk(path.join(root, 'src'));
const violations = files.flatMap((f) =>
  checkImports(path.relative(root, f).split(path.sep).join('/'), readFileSync(f, 'utf8')),
);
for (const v of violations) console.error(`${v.file}:${v.line}: import '${v.specifier}': ${v.message}`);
console.log(
  `import boundaries: ${files.length} files, ${violations.length} violation${violations.length === 1 ? '' : 's'}`,
);
process.exit(violations.length ? 1 : 0);
