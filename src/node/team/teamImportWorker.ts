// Worker-thread side of importTeamCocoInThread (teamImportThread.ts): one COCO import into a team database on this
// thread's own connection, its answer or its refusal posted back as plain data; then the thread ends.
import { parentPort, workerData } from 'node:worker_threads';
import { taskFailure } from '../workers/projectTasks.ts';
import { openTeamDb } from './openTeamDb.ts';
import { importTeamCoco } from './teamImport.ts';
import type { TeamImportJob, TeamImportReply } from './teamImportThread.ts';

if (!parentPort) {
  process.stderr.write('teamImportWorker: start it through importTeamCocoInThread (it is a worker thread)\n');
  process.exit(2);
}
const port = parentPort;
const job = workerData as TeamImportJob;
let reply: TeamImportReply;
try {
  // the server that started this thread has brought the schema up to date: never migrate from here
  const team = await openTeamDb(job.url, { max: 1, migrate: false });
  try {
    reply = { ok: true, value: await importTeamCoco(team, job.cocoFile, job.root, job.userId) };
  } finally {
    await team.close();
  }
} catch (e) {
  reply = { ok: false, error: taskFailure(e) };
}
port.postMessage(reply);
