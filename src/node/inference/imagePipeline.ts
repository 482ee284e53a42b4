import type { ImageU8 } from '../../core/image/resizeCubicU8.ts';
import {
  finishImage,
  networkError,
  prepareImage,
  type InferOptions,
  type InferResult,
  type MapsTarget,
  type StoredMaps,
} from './inferImage.ts';
import { writeMapFiles } from '../project/mapFiles.ts';
import type { SessionThread } from './sessionThread.ts';

/** One image to run: its file (or pixels), the id its persons are reported under, the settings. */
export interface PipelineRequest {
  id: number;
  image: string | ImageU8;
  imageId: number;
  options: InferOptions;
  /** Write the maps there (float16, as the map cache keeps them) instead of sending them back. */
  mapsTo?: MapsTarget;
}

export type PipelineReply =
  | { type: 'result'; id: number; result: InferResult }
  | { type: 'error'; id: number; message: string };

/**
 * inferImage's stages overlapped across images: the network runs image N on its own thread (SessionThread) while
 * this thread decodes and pre-processes image N+1 and decodes image N−1's maps into persons. Images are prepared
 * one at a time in the order pushed and their inputs go to the network thread as soon as they are ready, so the
 * network never waits for this thread; how far ahead it prepares is how many images the caller has pushed and not
 * yet had replies for (PoseEngine keeps two here). Every image gets exactly one reply, through `reply`.
 */
export class ImagePipeline {
  private readonly session: SessionThread;
  private readonly reply: (r: PipelineReply) => unknown;
  private prepared: Promise<unknown> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(session: SessionThread, reply: (r: PipelineReply) => unknown) {
    this.session = session;
    this.reply = reply;
  }

  push(r: PipelineRequest): void {
    const prepared = this.prepared.then(() => prepareImage(this.session.card, r.image, r.imageId, r.options));
    this.prepared = prepared.catch(() => undefined);
    const done = prepared
      .then((p) =>
        Promise.all(
          p.inputs.map((input, i) =>
            this.session.run(input).catch((e: Error) => {
              throw networkError(p, i, e.message);
            }),
          ),
        ).then((outputs) =>
          finishImage(
            p,
            outputs,
            r.options,
            outputs.reduce((ms, o) => ms + o.ms, 0),
          ),
        ),
      )
      .then((result) => (r.mapsTo ? storeMaps(result, r.mapsTo) : result))
      .then(
        (result) => this.reply({ type: 'result', id: r.id, result }),
        (e: Error) => this.reply({ type: 'error', id: r.id, message: e.message }),
      );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Resolves once every pushed image has had its reply. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}

/**
 * Writes the maps to the cache folder here, so that megabytes of maps never cross to the app's process (its thread
 * serves the window); what comes back is the file names to record. A failed write fails the image ("not stored").
 */
async function storeMaps(result: InferResult, to: MapsTarget): Promise<InferResult> {
  let storedMaps: StoredMaps;
  try {
    storedMaps = await writeMapFiles(to.dir, to.key, {
      image: { width: result.width, height: result.height },
      passes: result.passes,
    });
  } catch (e) {
    throw new Error(`not stored (${(e as Error).message})`);
  }
  return { ...result, passes: [], storedMaps };
}
