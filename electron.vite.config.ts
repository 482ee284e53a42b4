// Builds the desktop app into out/: main (ESM, with the inference worker, its network thread and the project worker
// thread as their own entries and the database migrations copied beside it), the sandboxed preload (CommonJS, as
// sandboxed preloads must be), and the renderer (also what web mode serves). Native packages stay external and ship
// in node_modules.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

function copyMigrations(): Plugin {
  return {
    name: 'copy-migrations',
    writeBundle(options) {
      const from = path.join(root, 'src/node/db/migrations'),
        to = path.join(options.dir!, 'migrations');
      mkdirSync(to, { recursive: true });
      for (const f of readdirSync(from)) if (f.endsWith('.sql')) copyFileSync(path.join(from, f), path.join(to, f));
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: path.join(root, 'src/main/main.ts'),
          inferenceWorker: path.join(root, 'src/node/inference/inferenceWorker.ts'),
          sessionWorker: path.join(root, 'src/node/inference/sessionWorker.ts'),
          projectWorker: path.join(root, 'src/node/workers/projectWorker.ts'),
        },
        // Shared chunks beside the entries, not in chunks/: modules that find files next to themselves through
        // import.meta.url (the migrations, the workers) must sit in out/main whichever bundle file they land in.
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
    plugins: [copyMigrations()],
  },
  preload: {
    build: {
      // A sandboxed preload can require only Electron's own modules: the contract's packages (zod) are bundled in.
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: path.join(root, 'src/preload/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: path.join(root, 'src/renderer'),
    base: './',
    build: {
      outDir: path.join(root, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      rollupOptions: { input: path.join(root, 'src/renderer/index.html') },
    },
    plugins: [react()],
  },
});
