import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { mapPlacement, type MapPlacement } from '../../core/geometry/mapPlacement.ts';
import { parseNpy } from '../../core/tensor/parseNpy.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import type { AnnotationView } from './imageEdits.ts';
import type { ImageRow } from './imageListModel.ts';
import { reasonOf } from './notices.ts';
import { Slice } from './slice.ts';

/** A decoded photo: its size and what the canvas draws (an HTMLImageElement in the browser; none under Node). */
export interface DecodedImage {
  width: number;
  height: number;
  source: CanvasImageSource | null;
}

/** How media reach the editor: the browser decodes images and fetches bytes; tests read them from the service. */
export interface MediaLoader {
  /** Rejects with a message a reviewer understands when the image cannot be shown. */
  image(url: string): Promise<DecodedImage>;
  bytes(url: string): Promise<Uint8Array>;
}

/** The network's maps for an image: [channels, h, w] stride-4 cells, and where they lie over the image. */
type MapsDescriptor = NonNullable<PoseResponse<'getPredictions'>['maps']>;

/**
 * The open image's maps: `data` [channels, h, w] the overlay pass (stride-4 map space of `multiplier`, padding
 * included; getPredictions), what the overlay paints; for a several-pass run also `passes`, each pass
 * flip-averaged in its own map space, which the corrections decode as the decoder did (correctionInputs.ts).
 */
export interface OverlayMaps {
  data: Float32Array;
  channels: number;
  h: number;
  w: number;
  multiplier: number;
  placement: MapPlacement;
  passes?: { multiplier: number; data: Float32Array; shape: number[] }[];
}

/** The open image as the canvas shows it (its annotation is the EditSession's). */
export interface OpenImage {
  row: ImageRow;
  image: DecodedImage;
  predictions: Pose[];
  maps: OverlayMaps | null;
  /** Why the cached maps could not be loaded (null: loaded, or none cached). */
  mapsError: string | null;
}
export interface LoadedImage extends OpenImage {
  annotation: AnnotationView;
}

export interface ImageStatus {
  /** The list index being shown (or opened). */
  index: number;
  loading: boolean;
  /** Why the image at `index` cannot be shown; the canvas says it where the image would be. */
  error: string | null;
}

/** Images kept loaded: the open one, the next, and a few behind. */
const CACHE_SIZE = 6;

/**
 * Loading images for the editor: photo, annotation, predictions and maps in parallel, cached per image, the next
 * one prefetched while this one is reviewed so that moving on is immediate. A prefetch that fails is dropped from
 * the cache; opening that image loads it again and shows why it failed.
 */
export class ImageSession {
  readonly current = new Slice<OpenImage | null>(null);
  readonly status = new Slice<ImageStatus>({ index: -1, loading: false, error: null });
  private readonly client: Pick<StudioClient, 'api' | 'mediaUrl'>;
  private readonly media: MediaLoader;
  private readonly cache = new Map<number, Promise<LoadedImage>>();
  private openSeq = 0;

  constructor(client: Pick<StudioClient, 'api' | 'mediaUrl'>, media: MediaLoader) {
    this.client = client;
    this.media = media;
  }

  /**
   * Loads the row at list `index`; resolves with it once loaded, or null when a later `open` superseded this one or
   * it failed (then `status.error` says why). `show` makes it the current image.
   */
  async open(index: number, row: ImageRow): Promise<LoadedImage | null> {
    const seq = ++this.openSeq;
    this.status.set({ index, loading: true, error: null });
    try {
      const loaded = await this.load(row);
      return seq === this.openSeq ? loaded : null;
    } catch (e) {
      if (seq === this.openSeq) {
        this.status.set({ index, loading: false, error: `${row.relPath}: ${reasonOf(e)}` });
        this.current.set(null);
      }
      return null;
    }
  }

  show(loaded: LoadedImage): void {
    const { row, image, predictions, maps, mapsError } = loaded;
    this.current.set({ row, image, predictions, maps, mapsError });
    this.status.set({ ...this.status.get(), loading: false, error: null });
  }

  /** Starts loading a row in the background (when it is not loaded or loading already). */
  prefetch(row: ImageRow | undefined): void {
    if (row && !row.missing) this.load(row).catch(() => undefined); // see the class comment: shown when opened
  }

  /** Loads the current image again (another writer changed it, a detection finished); throws why it failed. */
  async reload(): Promise<LoadedImage | null> {
    const cur = this.current.get();
    if (!cur) return null;
    this.cache.delete(cur.row.id);
    const fresh = await this.load(cur.row);
    if (this.current.get()?.row.id !== cur.row.id) return null;
    this.current.set({ ...cur, predictions: fresh.predictions, maps: fresh.maps, mapsError: fresh.mapsError });
    return fresh;
  }

  forget(imageId: number): void {
    this.cache.delete(imageId);
  }
  forgetAll(): void {
    this.cache.clear();
  }

  /** A row's fields changed (its status): the current image follows. */
  patchRow(imageId: number, patch: Partial<ImageRow>): void {
    const cur = this.current.get();
    if (cur?.row.id === imageId) this.current.set({ ...cur, row: { ...cur.row, ...patch } });
  }

  private load(row: ImageRow): Promise<LoadedImage> {
    const hit = this.cache.get(row.id);
    if (hit) return hit;
    const p = (async (): Promise<LoadedImage> => {
      const [annotation, pred, image] = await Promise.all([
        this.client.api.getAnnotation({ imageId: row.id }),
        this.client.api.getPredictions({ imageId: row.id }),
        this.media.image(this.client.mediaUrl('images', row.id)),
      ]);
      let maps: OverlayMaps | null = null,
        mapsError: string | null = null;
      if (pred.maps)
        try {
          maps = await this.loadMaps(row, pred.maps);
        } catch (e) {
          mapsError = reasonOf(e);
        }
      return { row, image, annotation, predictions: pred.poses, maps, mapsError };
    })();
    this.cache.set(row.id, p);
    p.catch(() => this.cache.delete(row.id));
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  private async loadMaps(row: ImageRow, d: MapsDescriptor): Promise<OverlayMaps> {
    const t = parseNpy(await this.media.bytes(this.client.mediaUrl('maps', row.id)));
    const [channels, h, w] = d.shape;
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const want = size(d.shape) + (d.passes ?? []).reduce((n, p) => n + size(p.shape), 0);
    if (t.data.length !== want)
      throw new Error(`the cached maps hold ${t.data.length} values, not the ${want} their description says`);
    let at = size(d.shape);
    const passes = d.passes?.map((p) => {
      const from = at;
      at += size(p.shape);
      return { multiplier: p.multiplier, data: t.data.subarray(from, at), shape: p.shape };
    });
    const multiplier = d.multiplier;
    return {
      data: d.passes ? t.data.subarray(0, size(d.shape)) : t.data,
      channels,
      h,
      w,
      multiplier,
      placement: mapPlacement(row.width, row.height, multiplier),
      ...(passes && { passes }),
    };
  }
}
