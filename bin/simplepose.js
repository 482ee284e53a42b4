#!/usr/bin/env node
// Launcher: the CLI is TypeScript run by Node >= 22.18 (type stripping). When started by an older
// Node (e.g. the system Node 20), re-run it with the project's own Node 22 from node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));
if (major > 22 || (major === 22 && minor >= 18)) {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const node22 = path.join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node22)) {
    process.stderr.write(
      `simplepose needs Node >= 22.18 (this is ${process.version}) and node_modules/node is missing: run \`npm ci\` first.\n`,
    );
    process.exit(1);
  }
  const r = spawnSync(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
