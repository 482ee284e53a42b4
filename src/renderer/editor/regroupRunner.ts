import type { FixedPerson, RegroupResult } from '../../core/correct/regroupWithFixedJoints.ts';
import { regroupWithFixedJoints } from '../../core/correct/regroupWithFixedJoints.ts';
import { correctionInputsOf } from './correctionInputs.ts';
import type { OverlayMaps } from './imageSession.ts';

/** One image as a regroup reads it: the overlay's maps (first pass, flip-averaged, stride 4) and its size (px). */
export interface RegroupImage {
  maps: OverlayMaps;
  width: number;
  height: number;
}

/** A regroup's result, and what it cost where it ran (ms): finding the candidates, and the whole. */
export interface RegroupAnswer {
  result: RegroupResult;
  candidatesMs: number;
  computeMs: number;
}

/**
 * Where regrouping runs. On the bundled model's maps of a crowded photo the first regroup of an image costs ≈ 400 ms
 * (its candidates, then the map values the assignment samples; ≈ 30 ms for a regroup after that) — in a Web Worker,
 * so the page never waits for it; `warmUp` does that work as soon as an image opens.
 */
export interface RegroupRunner {
  warmUp(img: RegroupImage): void;
  regroup(img: RegroupImage, fixed: FixedPerson[]): Promise<RegroupAnswer>;
}

/** The regroup itself, on whichever thread calls it. */
export function regroupNow(img: RegroupImage, fixed: FixedPerson[]): RegroupAnswer {
  const t0 = performance.now();
  const inputs = correctionInputsOf(img.maps, img.width, img.height);
  const peaks = inputs.peaks();
  const t1 = performance.now();
  const result = regroupWithFixedJoints(inputs.maps, peaks, fixed);
  return { result, candidatesMs: t1 - t0, computeMs: performance.now() - t0 };
}

/** On the page's thread (no Worker: Node, the engine's tests): prepared when idle, answered at once. */
export function threadRunner(): RegroupRunner {
  return {
    warmUp(img) {
      const run = () => correctionInputsOf(img.maps, img.width, img.height).warmUp();
      if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 2000 });
      else setTimeout(run, 0);
    },
    regroup: async (img, fixed) => regroupNow(img, fixed),
  };
}

/** Messages to the worker (regroupWorker.ts): the open image (it keeps one), and regroups on it. */
export type RegroupRequest =
  | { type: 'image'; id: number; img: RegroupImage }
  | { type: 'regroup'; id: number; req: number; fixed: FixedPerson[] };
export type RegroupReply = { req: number; answer: RegroupAnswer } | { req: number; error: string };

/**
 * In a Web Worker made by `create`. The image's maps are copied to it once (when it opens: the worker prepares it
 * there); a worker that fails (cannot start, throws) is replaced by the page's thread for the rest of the session.
 */
export function workerRunner(create: () => Worker): RegroupRunner {
  let worker: Worker | null = null;
  let fallback: RegroupRunner | null = null;
  let sent: { maps: OverlayMaps; id: number } | null = null;
  let nextId = 1,
    nextReq = 1;
  const pending = new Map<number, { resolve(a: RegroupAnswer): void; reject(e: Error): void }>();
  const fail = (why: string) => {
    worker?.terminate();
    worker = null;
    fallback = threadRunner();
    for (const p of pending.values()) p.reject(new Error(`the regroup worker stopped: ${why}`));
    pending.clear();
  };
  const started = (): Worker | null => {
    if (worker || fallback) return worker;
    try {
      worker = create();
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
      return null;
    }
    worker.onmessage = (e: MessageEvent<RegroupReply>) => {
      const p = pending.get(e.data.req);
      pending.delete(e.data.req);
      if ('answer' in e.data) p?.resolve(e.data.answer);
      else p?.reject(new Error(e.data.error));
    };
    worker.onerror = (e) => fail(e.message || 'an error in the worker');
    return worker;
  };
  const send = (w: Worker, img: RegroupImage): number => {
    if (sent?.maps !== img.maps) {
      sent = { maps: img.maps, id: nextId++ };
      // structured clone: the maps are copied (the overlay keeps its own)
      w.postMessage({ type: 'image', id: sent.id, img } satisfies RegroupRequest);
    }
    return sent.id;
  };
  return {
    warmUp(img) {
      const w = started();
      if (w) send(w, img);
      else fallback?.warmUp(img);
    },
    regroup(img, fixed) {
      const w = started();
      if (!w) return fallback!.regroup(img, fixed);
      const req = nextReq++;
      return new Promise((resolve, reject) => {
        pending.set(req, { resolve, reject });
        w.postMessage({ type: 'regroup', id: send(w, img), req, fixed } satisfies RegroupRequest);
      });
    },
  };
}

/** The page's runner: a Web Worker where the page has them, else the page's thread. */
export function defaultRegroupRunner(): RegroupRunner {
  if (typeof Worker !== 'function') return threadRunner();
  return workerRunner(() => new Worker(new URL('./regroupWorker.ts', import.meta.url), { type: 'module' }));
}
