// A folder opened as a project, detected once with a model at the app's default settings (one scale, flip, fast),
// and served in web mode with the renderer build: what screenshots and page benchmarks start from.
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { projectCacheDir } from '../../src/node/project/mapCache.ts';
import { startServer } from '../../src/server/startServer.ts';

export async function detectedAndServed(
  dir: string,
  modelPath: string,
  staticDir: string,
): Promise<{ project: OpenProject; server: Awaited<ReturnType<typeof startServer>> }> {
  const project = await openProjectFolder(dir, { modelPath });
  await runDetectJob(project.db, {
    modelPath,
    root: project.root,
    settings: { scales: [1], flip: true, mode: 'fast' },
    cacheDir: projectCacheDir(project.root),
  });
  const server = await startServer({ service: project.service, root: project.root, staticDir });
  return { project, server };
}
