import { describe, expect, it } from 'vitest';
import { checkImports } from './importBoundaries.ts';

describe('import boundary rule (STYLE.md table)', () => {
  it('allows what the table allows', () => {
    expect(checkImports('src/node/db/x.ts', "import { a } from '../../core/coco/cocoJson.ts';")).toEqual([]);
    expect(checkImports('src/cli/x.ts', "import { a } from '../node/y.ts';\nimport fs from 'node:fs';")).toEqual([]);
    expect(checkImports('src/renderer/x.ts', "import type { A } from '../contract/api.ts';")).toEqual([]);
  });
  it('rejects core importing node, Node built-ins in core, renderer importing node, cli importing server', () => {
    expect(checkImports('src/core/a.ts', "import { x } from '../node/y.ts';")[0].message).toMatch(
      /core may not import node/,
    );
    expect(checkImports('src/core/a.ts', "import { readFileSync } from 'node:fs';")[0].message).toMatch(
      /Node built-ins/,
    );
    expect(checkImports('src/renderer/a.ts', "\nimport { x } from '../node/y.ts';")[0]).toMatchObject({ line: 2 });
    expect(checkImports('src/cli/a.ts', "export { x } from '../server/y.ts';")).toHaveLength(1);
    expect(checkImports('src/contract/a.ts', "const m = await import('../node/y.ts');")).toHaveLength(1);
    expect(checkImports('src/renderer/a.ts', "import { app } from 'electron';")[0].message).toMatch(/electron/);
    expect(checkImports('src/core/a.ts', "import sharp from 'sharp';")[0].message).toMatch(/core is pure/);
  });
  it('lets tests use test/ support code and Node built-ins', () => {
    expect(
      checkImports(
        'src/core/a.test.ts',
        "import fs from 'node:fs';\nimport { p } from '../../test/support/fixturePaths.ts';",
      ),
    ).toEqual([]);
  });
});

describe('imports read from the syntax, and packages per layer', () => {
  it('ignores specifiers in comments and strings, and finds every import form', () => {
    const src = [
      "// import x from '../node/y.ts';",
      'const s = "import z from \'../node/z.ts\'";',
      "/* export * from '../server/a.ts' */",
      'import type {',
      '  A,',
      "} from '../node/b.ts';",
      "export * from '../node/c.ts';",
      "const d = require('../node/d.ts');",
    ].join('\n');
    const found = checkImports('src/renderer/a.ts', src);
    expect(found.map((v) => [v.specifier, v.line])).toEqual([
      ['../node/b.ts', 6],
      ['../node/c.ts', 7],
      ['../node/d.ts', 8],
    ]);
  });
  it('refuses a package a layer may not use, allows its own', () => {
    expect(checkImports('src/renderer/a.ts', "import Database from 'better-sqlite3';")[0].message).toMatch(
      /renderer may not use the package better-sqlite3/,
    );
    expect(checkImports('src/renderer/a.ts', "import { Stage } from 'react-konva';")).toEqual([]);
    expect(checkImports('src/node/a.ts', "import sharp from 'sharp';")).toEqual([]);
    expect(checkImports('src/server/a.ts', "import sharp from 'sharp';")).toHaveLength(1);
    expect(checkImports('src/contract/a.ts', "import { z } from 'zod';")).toEqual([]);
    expect(checkImports('src/core/a.ts', "import { z } from 'zod/mini';")).toEqual([]);
    expect(checkImports('src/core/a.test.ts', "import { it } from 'vitest';")).toEqual([]);
    expect(checkImports('src/core/a.ts', "import { it } from 'vitest';")).toHaveLength(1);
  });
});
