/**
 * The import table of STYLE.md, as one lint rule over import paths: who may import whom under src/.
 * core: nothing; contract: core; node: core, contract; main and server: node, contract, core; preload: contract;
 * renderer: core, contract; cli: node, core. Node built-ins only where Node runs (node, main, server, cli);
 * preload may use `electron`. Tests (*.test.ts) may also import test/ support code and Node built-ins.
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
const NODE_BUILTINS_OK: Layer[] = ['node', 'main', 'server', 'cli'];

/** Justified exceptions, by file (STYLE.md: "a justified exception is listed by file in the lint config"). */
export const EXCEPTIONS: Record<string, string[]> = {
  // `simplepose serve` (issue 5) is the CLI entry of web mode: it starts the server, which nothing else in cli uses.
  'src/cli/serveCommand.ts': ['../server/startServer.ts'],
};

export interface ImportViolation {
  file: string;
  line: number;
  specifier: string;
  message: string;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Layer of a project-relative path under src/, or null. */
export function layerOf(relPath: string): Layer | null {
  const m = /^src\/([^/]+)\//.exec(relPath.replace(/\\/g, '/'));
  return m && (LAYERS as readonly string[]).includes(m[1]) ? (m[1] as Layer) : null;
}

/** Checks one file's source; `relPath` is relative to the project root with forward slashes. */
export function checkImports(relPath: string, source: string): ImportViolation[] {
  const from = layerOf(relPath);
  if (!from) return [];
  const isTest = relPath.endsWith('.test.ts');
  const out: ImportViolation[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const line = source.slice(0, m.index).split('\n').length + (source[m.index] === '\n' ? 1 : 0);
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
    } else if (spec.startsWith('node:') || NODE_BUILTIN_NAMES.has(spec.split('/')[0])) {
      if (!NODE_BUILTINS_OK.includes(from) && !isTest) bad(`${from} must not use Node built-ins (${spec})`);
    } else if (spec === 'electron' && !(from === 'main' || from === 'preload')) {
      bad(`${from} must not import electron`);
    } else if ((from === 'core' || from === 'contract') && !isTest && spec !== 'electron') {
      bad(`${from} is pure: no packages (${spec})`);
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
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'stream',
  'zlib',
  'events',
  'buffer',
  'process',
]);
