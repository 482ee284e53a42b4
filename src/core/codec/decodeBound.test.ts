import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { decodeFast, FAST_DEFAULTS } from './decodeFast.ts';
import { decodeReference, REFERENCE_DEFAULTS, type DecodeOutput } from './decodeReference.ts';
import { encodeTargets, type EncoderPerson } from './encodeTargets.ts';
import { passGeometry } from './passGeometry.ts';
import type { DecodeInput } from './decodeCase.ts';
import { FLIP_HEAT_ORDER, IMHN_META } from '../skeleton/poseMeta.ts';
import { DECODE_FIXTURES, readDecodeCase } from '../../../test/support/fixturePaths.ts';

/** The bound off: every peak of every type, every seed (the official, unbounded behaviour). */
const UNBOUNDED = {
  peaks: { ...REFERENCE_DEFAULTS.peaks, maxPerType: Infinity },
  screen: { ...FAST_DEFAULTS.screen, maxSeeds: Infinity },
};

/** A standing person facing the camera, ~105 px tall, as 18 IMHN keypoints (image px offsets from the hips). */
const BODY = [
  [0, -50],
  [0, -35],
  [-12, -35],
  [-16, -18],
  [-18, -2],
  [12, -35],
  [16, -18],
  [18, -2],
  [-7, 0],
  [-8, 25],
  [-8, 50],
  [7, 0],
  [8, 25],
  [8, 50],
  [-3, -53],
  [3, -53],
  [-6, -51],
  [6, -51],
];

/**
 * Maps of a crowd as a perfect model would give them: the official ground-truth encoding (encodeTargets.ts) of
 * `cols × rows` people on a 1024×768 image, one pass per multiplier, with the flip pass (the mirrored image's maps,
 * left/right swapped). Sane maps by construction: one peak per person and type.
 */
function crowdCase(cols: number, rows: number, multipliers: number[]): DecodeInput {
  const W = 1024,
    H = 768;
  const people = Array.from({ length: cols * rows }, (_, i) => {
    const cx = ((i % cols) + 0.5) * (W / cols) + ((i * 7) % 11) - 5,
      cy = (Math.floor(i / cols) + 0.5) * (H / rows) + ((i * 5) % 9) - 4;
    return BODY.map(([dx, dy]) => [cx + dx, cy + dy]);
  });
  const passes = multipliers.map((m) => {
    const g = passGeometry(W, H, m);
    const toInput = (v: number) => (v + 0.5) * m - 0.5;
    const encode = (flip: boolean) => {
      const persons: EncoderPerson[] = people.map((kp) => {
        const xy = new Float64Array(36);
        for (let j = 0; j < 18; j++) {
          const src = flip ? FLIP_HEAT_ORDER[j] : j; // the mirrored person's joint j is the original's partner
          const x = toInput(kp[src][0]);
          xy[2 * j] = flip ? g.paddedW - 1 - x : x;
          xy[2 * j + 1] = toInput(kp[src][1]);
        }
        return { xy, labelled: new Array(18).fill(true) };
      });
      return { data: encodeTargets(persons, g.mapH, g.mapW), shape: [50, g.mapH, g.mapW] };
    };
    return { multiplier: m, maps: encode(false), flippedMaps: encode(true) };
  });
  return { image: { id: 1, width: W, height: H }, passes };
}

function expectSameDecode(a: DecodeOutput, b: DecodeOutput, what: string): void {
  expect(a.peaks, what).toEqual(b.peaks);
  expect(a.connections, what).toEqual(b.connections);
  expect(a.persons, what).toEqual(b.persons);
  expect(a.results, what).toEqual(b.results);
}

describe('the bound on a noisy model (maxPerType, fast screen maxSeeds) leaves sane maps alone', () => {
  const ids = readdirSync(DECODE_FIXTURES).filter((d) => /^\d+$/.test(d));

  it('the official model’s maps (12 fixture cases): bounded = unbounded, in both modes', async () => {
    for (const id of ids) {
      const input = await readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'));
      expectSameDecode(decodeFast(input), decodeFast(input, UNBOUNDED), `fast ${id}`);
      expectSameDecode(decodeReference(input), decodeReference(input, UNBOUNDED), `reference ${id}`);
    }
  });

  it('a crowd of 30 people at 2 scales with flip: bounded = unbounded, and all 30 are found', () => {
    const input = crowdCase(6, 5, [0.75, 1]);
    const bounded = decodeFast(input);
    expectSameDecode(bounded, decodeFast(input, UNBOUNDED), 'crowd');
    expect(Math.max(...bounded.peaks.map((l) => l.length))).toBe(30);
    expect(bounded.persons.length).toBe(30);
    expect(bounded.persons.every((p) => p.count === IMHN_META.keypoints.length)).toBe(true);
  });
});

describe('the bound on a noisy model’s maps', () => {
  /** Noise in the 18 keypoint maps and the body-part maps, [50, h, w], optionally with a (noise) flip pass. */
  function noiseCase(w: number, h: number, seed: number, flip = false): DecodeInput {
    let s = seed;
    const next = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const noise = () => Float32Array.from({ length: 50 * h * w }, (_, i) => (i < 48 * h * w ? next() * 0.7 - 0.1 : 0));
    const maps = { data: noise(), shape: [50, h, w] };
    return {
      image: { id: 1, width: w * 4, height: h * 4 },
      passes: [{ multiplier: 1, maps, flippedMaps: flip ? { data: noise(), shape: [50, h, w] } : null }],
    };
  }

  it('caps the candidates at maxPerType per type (32) in both modes; unbounded when Infinity', () => {
    const input = noiseCase(128, 96, 1);
    for (const out of [decodeFast(input), decodeReference(input)])
      expect(Math.max(...out.peaks.map((l) => l.length))).toBe(REFERENCE_DEFAULTS.peaks.maxPerType);
    const small = noiseCase(16, 16, 2);
    const capped = decodeReference(small, { peaks: { ...REFERENCE_DEFAULTS.peaks, maxPerType: 5 } });
    expect(Math.max(...capped.peaks.map((l) => l.length))).toBe(5);
    expect(Math.max(...decodeReference(small, UNBOUNDED).peaks.map((l) => l.length))).toBeGreaterThan(5);
  });

  it('fast mode stays fast on noise: a 512×384 noise map with its flip pass decodes in < 1 s', () => {
    const input = noiseCase(128, 96, 3, true);
    decodeFast(input);
    const t = performance.now();
    const out = decodeFast(input);
    // ~50–350 ms on a loaded 2-core machine; the decoder before the bound took 2.1 s there (issue 13), unbounded minutes
    expect(performance.now() - t).toBeLessThan(1000);
    expect(Math.max(...out.peaks.map((l) => l.length))).toBe(REFERENCE_DEFAULTS.peaks.maxPerType);
  });
});
