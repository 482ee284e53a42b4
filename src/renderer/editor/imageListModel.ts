import type { PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';

export type ImageRow = PoseResponse<'listImages'>['images'][number];
export type ImageStatusName = ImageRow['status'];

export interface ListFilter {
  status?: ImageStatusName;
  minScore?: number;
  maxScore?: number;
  /** File order, or a review queue of the latest run. */
  order: 'file' | 'uncertainty' | 'hardness';
}

const PAGE = 200;

/**
 * The image list as the renderer sees it: `total` rows in the filter's order, fetched a page of 200 at a time when
 * a row is first needed (the list is virtualised, so a 10,000-image project loads one page to show its first
 * screen). Review-queue orders fetch the queue's ids once, then rows by id, page by page.
 */
export class ImageListModel {
  total = 0;
  filter: ListFilter = { order: 'file' };
  private pages = new Map<number, ImageRow[]>();
  private pending = new Map<number, Promise<void>>();
  private queueIds: number[] | null = null;
  private generation = 0;
  private readonly client: StudioClient;
  private readonly changed: () => void;
  private readonly failed: (e: unknown) => void;

  /** `failed`: a page asked for by `rowAt` (a row scrolled into view) did not load. */
  constructor(client: StudioClient, changed: () => void, failed: (e: unknown) => void = () => undefined) {
    this.client = client;
    this.changed = changed;
    this.failed = failed;
  }

  /** Resets to a new filter and loads the first page (resolves once `total` is known). */
  async setFilter(filter: ListFilter): Promise<void> {
    // The queue first: until it is here, rows keep coming from the previous filter (never a mix of the two).
    const queue =
      filter.order === 'file'
        ? null
        : (
            await this.client.api.reviewQueue({ by: filter.order, ...(filter.status ? { status: filter.status } : {}) })
          ).images.map((x) => x.imageId);
    this.filter = filter;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.queueIds = queue;
    await this.loadPage(0);
  }

  /** Reloads the pages already seen (statuses or scores changed), keeping the filter. */
  async refresh(): Promise<void> {
    const seen = [...this.pages.keys()];
    this.pages.clear();
    this.pending.clear();
    await Promise.all((seen.length ? seen : [0]).map((p) => this.loadPage(p)));
  }

  rowAt(index: number): ImageRow | undefined {
    const page = Math.floor(index / PAGE);
    const rows = this.pages.get(page);
    if (!rows) {
      this.loadPage(page).catch(this.failed);
      return undefined;
    }
    return rows[index - page * PAGE];
  }

  async ensureRow(index: number): Promise<ImageRow | undefined> {
    if (index < 0 || index >= this.total) return undefined;
    await this.loadPage(Math.floor(index / PAGE));
    return this.rowAt(index);
  }

  /** Where an image is in the list as filtered now (null: the filter leaves it out). */
  async positionOf(imageId: number): Promise<number | null> {
    if (this.queueIds) {
      const i = this.queueIds.indexOf(imageId);
      return i < 0 ? null : i;
    }
    const r = await this.client.api.listImages({ ...this.filterArgs(), positionOf: imageId, limit: 1 });
    return r.position ?? null;
  }

  indexOf(imageId: number): number {
    for (const [page, rows] of this.pages) {
      const i = rows.findIndex((r) => r.id === imageId);
      if (i >= 0) return page * PAGE + i;
    }
    return -1;
  }

  /** Updates a row in place after a status change (no refetch). */
  patchRow(imageId: number, patch: Partial<ImageRow>): void {
    for (const rows of this.pages.values()) {
      const i = rows.findIndex((r) => r.id === imageId);
      if (i >= 0) rows[i] = { ...rows[i], ...patch };
    }
    this.changed();
  }

  private filterArgs() {
    const f = this.filter;
    return {
      ...(f.status ? { status: f.status } : {}),
      ...(f.minScore !== undefined ? { minScore: f.minScore } : {}),
      ...(f.maxScore !== undefined ? { maxScore: f.maxScore } : {}),
    };
  }

  private loadPage(page: number): Promise<void> {
    if (this.pages.has(page)) return Promise.resolve();
    const existing = this.pending.get(page);
    if (existing) return existing;
    const generation = this.generation;
    const filters = this.filterArgs();
    const p = (async () => {
      if (this.queueIds) {
        const ids = this.queueIds.slice(page * PAGE, (page + 1) * PAGE);
        const r = ids.length
          ? await this.client.api.listImages({ ...filters, ids, limit: PAGE })
          : { total: 0, images: [] };
        if (generation !== this.generation) return;
        this.total = this.queueIds.length;
        this.pages.set(page, r.images);
      } else {
        const r = await this.client.api.listImages({ ...filters, offset: page * PAGE, limit: PAGE });
        if (generation !== this.generation) return;
        this.total = r.total;
        this.pages.set(page, r.images);
      }
      this.changed();
    })().finally(() => this.pending.delete(page));
    this.pending.set(page, p);
    return p;
  }
}
