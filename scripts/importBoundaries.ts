import ts from 'typescript';

/**
 * The import table of STYLE.md, as one lint rule over the imports TypeScript itself finds in a file (import,
 * export … from, import(), require(); never a match inside a comment or a string): who may import whom under src/,
 * and which packages each layer may use.
 * core: nothing; contract: core; node: core, contract; main and server: node, contract, core; preload: contract;
 * renderer: core, contract; cli: node, core. Node built-ins only where Node runs (node, main, server, cli).
 * Tests (*.test.ts) may also import test/ support code, Node built-ins and the test packages.
 */
export const LAYERS = ['core', 'contract', 'node', 'main', 'preload', 'renderer', 'server', 'cli'] as const;
export type Layer = (typeof LAYERS)[number];

export const ALLOWED: Record<Layer, Layer[]> = {
  core: [],
  contract: ['core'],
  node: ['core', 'contract'],
  main: ['node', 'contract', 'core'],
  preload: ['contract'],
  renderer: ['core', 'contract'],
  server: ['node', 'contract', 'core'],
  cli: ['node', 'core'],
};

/** npm packages each layer may import (by package name); everything else is refused, so e.g. the renderer can
 * never pull in better-sqlite3 and core stays pure. */
export const PACKAGES: Record<Layer, string[]> = {
  core: ['zod'],
  contract: ['zod'],
  node: ['better-sqlite3', 'onnxruntime-node', 'sharp', 'zod', 'pg', 'pg-boss'],
  main: ['electron'],
  preload: ['electron'],
  renderer: ['react', 'react-dom', 'react-konva', 'konva', 'zod'],
  server: [],
  cli: [],
};
const TEST_PACKAGES = ['vitest', 'playwright-core'];
const NODE_BUILTINS_OK: Layer[] = ['node', 'main', 'server', 'cli'];

/** Justified exceptions, by file (STYLE.md: "a justified exception is listed by file in the lint config"). */
export const EXCEPTIONS: Record<string, string[]> = {
  // `simplepose serve` (issue 5) is the CLI entry of web mode: it starts the server, which nothing else in cli uses.
  'src/cli/serveCommand.ts': ['../server/startServer.ts'],
  // `simplepose team serve` (issue 17) is the CLI entry of the team server, as serve is web mode's.
  'src/cli/teamServeCommand.ts': ['../server/teamServer.ts'],
};

export interface ImportViolation {
  file: string;
  line: number;
  specifier: string;
  message: string;
}

/** Layer of a project-relative path under src/, or null. */
export function layerOf(relPath: string): Layer | null {
  const m = /^src\/([^/]+)\//.exec(relPath.replace(/\\/g, '/'));
  return m && (LAYERS as readonly string[]).includes(m[1]) ? (m[1] as Layer) : null;
}

/** The module specifiers of a source file with their 1-based lines, as TypeScript's pre-processor reads them. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(source, true, true);
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  const lineAt = (pos: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return info.importedFiles.map((f) => ({ specifier: f.fileName, line: lineAt(f.pos) }));
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Checks one file's source; `relPath` is relative to the project root with forward slashes. */
export function checkImports(relPath: string, source: string): ImportViolation[] {
  const from = layerOf(relPath);
  if (!from) return [];
  const isTest = /\.test\.tsx?$/.test(relPath);
  const out: ImportViolation[] = [];
  for (const { specifier: spec, line } of importsOf(source)) {
    if ((EXCEPTIONS[relPath] ?? []).includes(spec)) continue;
    const bad = (message: string) => out.push({ file: relPath, line, specifier: spec, message });
    if (spec.startsWith('.')) {
      const target = normalise(relPath, spec);
      const to = layerOf(target);
      if (to === null) {
        if (isTest && target.startsWith('test/')) continue;
        if (!target.startsWith('src/')) bad(`imports ${target}, outside src/`);
        continue;
      }
      if (to !== from && !ALLOWED[from].includes(to))
        bad(`${from} may not import ${to} (allowed: ${ALLOWED[from].join(', ') || 'nothing'})`);
    } else if (spec.startsWith('node:') || NODE_BUILTIN_NAMES.has(packageName(spec))) {
      if (!NODE_BUILTINS_OK.includes(from) && !isTest) bad(`${from} must not use Node built-ins (${spec})`);
    } else {
      const pkg = packageName(spec);
      if (PACKAGES[from].includes(pkg) || (isTest && TEST_PACKAGES.includes(pkg))) continue;
      // A test where Node runs may build its fixtures with the Node layer's packages (e.g. sharp for images).
      if (isTest && NODE_BUILTINS_OK.includes(from) && PACKAGES.node.includes(pkg)) continue;
      bad(
        from === 'core' || from === 'contract'
          ? `${from} is pure: no packages but ${PACKAGES[from].join(', ')} (${spec})`
          : `${from} may not use the package ${pkg} (allowed: ${PACKAGES[from].join(', ') || 'none'})`,
      );
    }
  }
  return out;
}

function normalise(fromFile: string, spec: string): string {
  const parts = fromFile.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

const NODE_BUILTIN_NAMES = new Set([
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
]);
