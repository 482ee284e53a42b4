import type { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageListModel, ListFilter } from './imageListModel.ts';
import type { ImageSession } from './imageSession.ts';
import type { JobMonitor } from './jobMonitor.ts';
import type { Notices } from './notices.ts';
import type { PointerMachine } from './pointerMachine.ts';
import type { ReviewFlow } from './reviewFlow.ts';
import type { ReviewSettings } from './reviewSettings.ts';
import type { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

export interface NavigationParts {
  notices: Notices;
  list: ImageListModel;
  images: ImageSession;
  edits: EditSession;
  view: ViewState;
  pointer: PointerMachine;
  flow: ReviewFlow;
  jobs: JobMonitor;
  settings: ReviewSettings;
  annotation: Slice<ShownAnnotation | null>;
  prefetch: boolean;
  afterPaint: (f: () => void) => void;
  /** The annotation slice shows this image's edits. */
  showAnnotation(imageId: number): void;
}

/**
 * Moving through the project's images: the list's filter, opening an image (the one left first loses its empty
 * persons and its open question, the status line's message about it is cleared, the next one is prefetched), and
 * where the window is — the filter and the open image, kept per project so that a reload or the next session
 * resumes there, and a filter change keeps the open image when it still lists it.
 */
export class ImageNavigation {
  private readonly p: NavigationParts;

  constructor(parts: NavigationParts) {
    this.p = parts;
  }

  /** Loads the project's settings and the list, then opens where the window left the project (or the first image). */
  async start(filter?: ListFilter): Promise<void> {
    await Promise.all([this.p.jobs.refreshProject(), this.p.settings.load()]);
    const root = this.p.jobs.project.get()?.root;
    const resume = root ? this.p.view.resumePoint(root) : null;
    await this.setFilter(filter ?? (resume?.filter as ListFilter | undefined) ?? { order: 'file' }, resume?.imageId);
  }

  /** Filters the list and stays at the open image (or `imageId`) when the filter keeps it, else opens the first. */
  async setFilter(filter: ListFilter, imageId = this.p.images.current.get()?.row.id): Promise<void> {
    const { list, images } = this.p;
    const at = await this.p.notices.attempt('The image list did not load', async () => {
      await list.setFilter(filter);
      return imageId === undefined ? 0 : ((await list.positionOf(imageId)) ?? 0);
    });
    if (at === undefined) return;
    if (list.total > 0) return this.openIndex(at);
    images.current.set(null);
    images.status.set({ index: -1, loading: false, error: null });
    this.p.annotation.set(null);
    this.remember();
  }

  /** Opens the image at a list index; resolves once it is shown and interactive (measure `image-interactive:<id>`). */
  async openIndex(index: number): Promise<void> {
    const { notices, list, images, flow, pointer } = this.p;
    const row = await notices.attempt('The image list did not load', () => list.ensureRow(index));
    if (!row) return;
    const t0 = performance.now();
    const before = images.current.get()?.row.id;
    const said = notices.version;
    if (before !== undefined && before !== row.id) {
      pointer.cancel();
      flow.dismiss();
      await flow.leaveImage();
    }
    const loaded = await images.open(index, row);
    if (!loaded) {
      if (!images.current.get()) this.p.annotation.set(null); // it failed: the canvas says why
      return;
    }
    pointer.cancel();
    try {
      this.p.edits.loaded(row.id, loaded.annotation);
    } catch (e) {
      notices.fail(`${row.relPath} could not be opened`, e); // a history the server sent malformed
      return;
    }
    images.show(loaded);
    this.p.showAnnotation(row.id);
    this.p.view.showImage(row.width, row.height);
    this.p.afterPaint(() => performance.measure(`image-interactive:${row.id}`, { start: t0, end: performance.now() }));
    // What the status line said about the image left does not stay over this one (a message of the move does).
    if (before !== undefined && before !== row.id && notices.version === said) notices.say(null);
    this.remember();
    // A page of the list that does not load now is asked for again (and its failure shown) when it is opened.
    if (this.p.prefetch)
      void list.ensureRow(index + 1).then(
        (r) => images.prefetch(r),
        () => undefined,
      );
  }

  /** Opens an image by id (the evaluation panel's rows): in the current list, else in file order. */
  async openImageId(imageId: number): Promise<void> {
    const { notices, list } = this.p;
    let at = await notices.attempt('The image list did not load', () => list.positionOf(imageId));
    if (at === null && list.filter.order !== 'file') {
      await this.setFilter({ order: 'file' });
      at = await notices.attempt('The image list did not load', () => list.positionOf(imageId));
    }
    if (at === undefined) return;
    if (at === null) notices.say(`Image ${imageId} is not in the list (filtered out or removed from the project)`);
    else await this.openIndex(at);
  }

  async navigate(direction: 'next' | 'previous'): Promise<void> {
    const i = this.p.images.status.get().index + (direction === 'next' ? 1 : -1);
    if (i < 0 || i >= this.p.list.total)
      this.p.notices.say(direction === 'next' ? 'That was the last image.' : 'This is the first image.');
    else await this.openIndex(i);
  }

  /** Keeps where the window is in the project (filter and open image) for a reload or the next session. */
  private remember(): void {
    const root = this.p.jobs.project.get()?.root,
      id = this.p.images.current.get()?.row.id;
    if (root && id !== undefined) this.p.view.setResumePoint(root, { imageId: id, filter: this.p.list.filter });
  }
}
