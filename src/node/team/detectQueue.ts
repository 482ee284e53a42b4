import PgBoss from 'pg-boss';
import type pg from 'pg';

/**
 * The team's detection queue: pg-boss, the job queue that lives in the team's PostgreSQL (its own schema, jobs
 * claimed with SELECT … FOR UPDATE SKIP LOCKED). Chosen over BullMQ because a team already runs PostgreSQL for its
 * project, and a second service (Redis) to install, secure, back up and keep consistent with it is what BullMQ
 * would add; jobs can also be queued in the same transaction that creates the run.
 * A job is a batch of images of one run. A worker that dies with a batch (kill -9, a lost machine) leaves the job
 * active until its expiry (`batchExpirySeconds`), after which pg-boss's maintenance puts it back (retryLimit) and
 * another worker takes it; what the dead one stored stays, and the rows are unique per (run, image).
 */
export const DETECT_QUEUE = 'simplepose_detect';
export const BOSS_SCHEMA = 'pgboss';

/** What a job carries: the run and the image ids of its batch. */
export interface DetectBatch {
  runId: number;
  imageIds: number[];
}

export interface QueueTimings {
  /** How long a claimed batch may take before it counts as abandoned and is given to another worker. */
  batchExpirySeconds: number;
  /** How often this process's pg-boss checks for abandoned batches (any running worker or server may). */
  maintenanceSeconds: number;
  /** How often an idle worker asks for a batch. */
  pollSeconds: number;
}

export const DEFAULT_QUEUE_TIMINGS: QueueTimings = { batchExpirySeconds: 900, maintenanceSeconds: 30, pollSeconds: 2 };
/** Retries of a batch whose worker died or failed, before it is given up (its images then have no row). */
export const BATCH_RETRY_LIMIT = 5;

/** A started pg-boss on the team database, with the detection queue made (idempotent; several at once is fine). */
export async function startBoss(url: string, t: QueueTimings = DEFAULT_QUEUE_TIMINGS): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    max: 4,
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: t.maintenanceSeconds,
  });
  boss.on('error', () => undefined); // a maintenance round that failed is tried again next round
  await boss.start();
  await boss.createQueue(DETECT_QUEUE, { name: DETECT_QUEUE, policy: 'standard' });
  return boss;
}

/** Queues a run's batches inside the caller's transaction `c` (the run and its jobs commit together, or neither). */
export async function queueBatches(
  boss: PgBoss,
  c: pg.PoolClient,
  batches: DetectBatch[],
  t: QueueTimings,
): Promise<void> {
  const db = { executeSql: (text: string, values: unknown[]) => c.query(text, values) };
  const jobs = batches.map((data) => ({
    name: DETECT_QUEUE,
    data,
    retryLimit: BATCH_RETRY_LIMIT,
    retryDelay: 0,
    expireInSeconds: t.batchExpirySeconds,
  }));
  for (let i = 0; i < jobs.length; i += 1000) await boss.insert(jobs.slice(i, i + 1000), { db });
}
