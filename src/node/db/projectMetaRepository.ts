import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `project_meta` table: the project's folder and the dataset-level fields a COCO import brought.

const UPSERT =
  'INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

export class ProjectMetaRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  /** The project folder recorded by the last scan (absolute), if any. */
  root(): string | undefined {
    return this.text('root');
  }

  setRoot(root: string): void {
    this.q.get(UPSERT).run('root', root);
  }

  /** A JSON value; undefined when the key was never stored. */
  json(key: string): unknown {
    const v = this.text(key);
    return v === undefined ? undefined : (JSON.parse(v) as unknown);
  }

  setJson(key: string, value: unknown): void {
    this.q.get(UPSERT).run(key, JSON.stringify(value));
  }

  private text(key: string): string | undefined {
    return this.q.pluck('SELECT value FROM project_meta WHERE key = ?').get(key) as string | undefined;
  }
}

export const projectMetaRepository = perConnection((db) => new ProjectMetaRepository(db));
