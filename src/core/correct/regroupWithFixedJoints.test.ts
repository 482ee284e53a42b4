import { describe, expect, it } from 'vitest';
import { regroupWithFixedJoints, type FixedPerson } from './regroupWithFixedJoints.ts';
import { correctionMaps } from './correctionMaps.ts';
import { decodeReference } from '../codec/decodeReference.ts';
import { decodeFast } from '../codec/decodeFast.ts';
import { toPoses, type Pose } from '../codec/assign/toPoses.ts';
import { DECODE_CASE_IDS, readFixtureCase } from '../../../test/support/correctionCases.ts';
import { seededRandom } from '../synth/seededRandom.ts';
import { LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';

const none = (): null[] => new Array(17).fill(null);
const key = (j: { x: number; y: number } | null) => (j ? `${j.x},${j.y}` : '-');

async function crowded(mode: 'reference' | 'fast' = 'reference') {
  const input = await readFixtureCase('227000'); // 11 labelled persons, two scales + flip
  const out = mode === 'reference' ? decodeReference(input) : decodeFast(input);
  return { maps: correctionMaps(input, mode), out, poses: toPoses(out.persons, out.peaks.flat()) };
}

/** Every joint of the result, each candidate used at most once. */
function allJoints(r: ReturnType<typeof regroupWithFixedJoints>): string[] {
  return [...r.fixed.map((p) => p.joints), ...r.free.map((p: Pose) => p.joints)].flat().filter(Boolean).map(key);
}

describe('regroupWithFixedJoints', () => {
  for (const mode of ['reference', 'fast'] as const)
    it(`${mode}: with no fixed joint, reproduces the decoder's persons on the 12 fixture cases`, async () => {
      for (const id of DECODE_CASE_IDS) {
        const input = await readFixtureCase(id);
        const out = mode === 'reference' ? decodeReference(input) : decodeFast(input);
        const r = regroupWithFixedJoints(correctionMaps(input, mode), out.peaks, []);
        expect(r.rows).toEqual(out.persons);
        expect(r.free).toEqual(toPoses(out.persons, out.peaks.flat()));
      }
    });

  it("fixing one joint of a decoded person pulls that person's other joints along", async () => {
    const { maps, out, poses } = await crowded();
    const from = poses.findIndex((p) => p.joints[10]);
    const wrist = poses[from].joints[10]!;
    const r = regroupWithFixedJoints(maps, out.peaks, [
      { id: 'n', fixed: none().map((_, k) => (k === 10 ? wrist : null)) },
    ]);
    expect(r.fixed[0].joints.map(key)).toEqual(poses[from].joints.map(key));
    expect(r.fixed[0].joints.filter((j) => j?.fixed)).toHaveLength(1);
    expect(r.free).toHaveLength(poses.length - 1);
    expect(new Set(allJoints(r)).size).toBe(allJoints(r).length);
  });

  it("a joint fixed on the neighbour's peak goes to the person; the neighbour lets it go", async () => {
    const { maps, out, poses } = await crowded();
    const from = poses.findIndex((p) => p.joints[10]);
    const to = poses.findIndex((p, i) => i !== from && p.joints[8]); // has a right elbow
    const wrist = poses[from].joints[10]!;
    const fixed: FixedPerson[] = [
      {
        id: 'to',
        fixed: poses[to].joints.map((j, k) => (k === 10 ? { x: wrist.x, y: wrist.y } : j && { x: j.x, y: j.y })),
      },
    ];
    const r = regroupWithFixedJoints(maps, out.peaks, fixed);
    expect(r.fixed[0].joints[10]).toMatchObject({ x: wrist.x, y: wrist.y, fixed: true });
    expect(allJoints(r).filter((k) => k === key(wrist))).toHaveLength(1);
    expect(new Set(allJoints(r)).size).toBe(allJoints(r).length);
    // The neighbour is still there, without that wrist.
    const neighbour = r.free.find(
      (p) => key(p.joints[0]) === key(poses[from].joints[0]) || key(p.joints[5]) === key(poses[from].joints[5]),
    );
    expect(neighbour).toBeDefined();
    expect(key(neighbour!.joints[10])).not.toBe(key(wrist));
  });

  it('fixed joints stay exactly where they are, also far from every peak; two fixed persons never merge', async () => {
    const { maps, out, poses } = await crowded('fast');
    const [p, q] = poses;
    const far = { x: 3.25, y: 4.75 };
    const fixed: FixedPerson[] = [
      { id: 'p', fixed: p.joints.map((j, k) => (k === 0 ? far : j ? { x: j.x, y: j.y } : null)) },
      { id: 'q', fixed: q.joints.map((j) => (j ? { x: j.x, y: j.y } : null)) },
    ];
    const r = regroupWithFixedJoints(maps, out.peaks, fixed);
    fixed.forEach((f, s) => {
      f.fixed.forEach((j, k) => {
        if (j) expect(r.fixed[s].joints[k]).toMatchObject({ x: j.x, y: j.y, fixed: true });
      });
    });
    const [rp, rq] = r.rows.map((row) => new Set(row.ids.filter((id) => id >= 0)));
    expect([...rp].filter((id) => rq.has(id))).toEqual([]);
    expect(new Set(allJoints(r)).size).toBe(allJoints(r).length);
    // Nobody else took p's or q's captured peaks.
    const held = new Set(fixed.flatMap((f) => f.fixed.map(key)).filter((k) => k !== '-'));
    for (const pose of r.free) for (const j of pose.joints) if (j) expect(held.has(key(j))).toBe(false);
  });

  it('a fixed person keeps its fixed joints even when the decoder would prune it', async () => {
    const { maps, out } = await crowded();
    const r = regroupWithFixedJoints(maps, out.peaks, [
      { id: 'lonely', fixed: none().map((_, k) => (k === 0 ? { x: 1, y: 1 } : null)) },
    ]);
    expect(r.fixed[0].joints[0]).toMatchObject({ x: 1, y: 1, fixed: true });
    expect(r.fixed[0].id).toBe('lonely');
  });

  it('never connects two fixed persons, nor a fixed joint to a rival of a joint its person fixed (random fixings)', async () => {
    const rng = seededRandom(7);
    let checked = 0;
    for (const id of ['129648', '227000', '790', '322517']) {
      const input = await readFixtureCase(id);
      const out = decodeFast(input);
      const maps = correctionMaps(input, 'fast');
      const poses = toPoses(out.persons, out.peaks.flat());
      for (let trial = 0; trial < 6; trial++) {
        // Each decoded person fixes a random half of its joints; one also claims a joint of another person.
        const fixed = poses.map((p, i) => ({
          id: `p${i}`,
          fixed: p.joints.map((j) => (j && rng.chance(0.5) ? { x: j.x, y: j.y } : null)),
        }));
        const [a, b] = [rng.int(0, poses.length - 1), rng.int(0, poses.length - 1)];
        const k = poses[b].joints.findIndex(Boolean);
        if (a !== b && k >= 0) fixed[a].fixed[k] = { x: poses[b].joints[k]!.x, y: poses[b].joints[k]!.y };
        const r = regroupWithFixedJoints(maps, out.peaks, fixed);
        const has = (s: number, t: number) => r.rows[s].ids[t] >= 0 && r.fixedOf[r.rows[s].ids[t]] === s;
        r.connections.forEach((conns, limb) => {
          (conns ?? []).forEach((c) => {
            const sa = r.fixedOf[c.idA],
              sb = r.fixedOf[c.idB];
            if (sa >= 0 && sb >= 0) expect(sa).toBe(sb);
            if (sa >= 0 && sb < 0) expect(has(sa, LIMB_TO[limb])).toBe(false);
            if (sb >= 0 && sa < 0) expect(has(sb, LIMB_FROM[limb])).toBe(false);
            checked++;
          });
        });
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('refuses a person without 17 joints or with a non-finite joint', async () => {
    const { maps, out } = await crowded('fast');
    expect(() => regroupWithFixedJoints(maps, out.peaks, [{ id: 'x', fixed: [null] }])).toThrow(/17/);
    expect(() =>
      regroupWithFixedJoints(maps, out.peaks, [
        { id: 'x', fixed: none().map((_, k) => (k ? null : { x: Number.NaN, y: 0 })) },
      ]),
    ).toThrow(/finite/);
  });
});
