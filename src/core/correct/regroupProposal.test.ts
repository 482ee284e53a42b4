import { describe, expect, it } from 'vitest';
import { regroupInputs, regroupProposal } from './regroupProposal.ts';
import { regroupWithFixedJoints } from './regroupWithFixedJoints.ts';
import { correctionMaps } from './correctionMaps.ts';
import { decodeReference } from '../codec/decodeReference.ts';
import { toPoses } from '../codec/assign/toPoses.ts';
import { acceptPredictions, moveJoint } from '../edit/poseEdits.ts';
import { applyDiff, invertDiff, isEmptyDiff } from '../edit/recordDiff.ts';
import { EMPTY_ANNOTATION } from '../edit/poseRecords.ts';
import { readFixtureCase } from '../../../test/support/correctionCases.ts';

async function predictedImage() {
  const input = await readFixtureCase('227000');
  const out = decodeReference(input);
  const poses = toPoses(out.persons, out.peaks.flat());
  const state = applyDiff(
    EMPTY_ANNOTATION,
    acceptPredictions(EMPTY_ANNOTATION, poses, (i) => `p${i}`),
  );
  return { maps: correctionMaps(input, 'reference'), out, poses, state };
}

describe('regroupProposal', () => {
  it('on untouched predictions proposes nothing', async () => {
    const { maps, out, state } = await predictedImage();
    const { fixed } = regroupInputs(state);
    expect(fixed).toEqual([]);
    const d = regroupProposal(state, regroupWithFixedJoints(maps, out.peaks, fixed), (i) => `r${i}`);
    expect(isEmptyDiff(d)).toBe(true);
  });

  it("after the user drags a person's wrist onto the neighbour's, one diff moves it and re-forms the neighbour", async () => {
    const { maps, out, poses, state } = await predictedImage();
    const from = poses.findIndex((p) => p.joints[10]);
    const to = poses.findIndex((p, i) => i !== from && p.joints[8]);
    const wrist = poses[from].joints[10]!;
    const toId = `p${to}`;
    const edited = state.persons[toId].joints[10]
      ? applyDiff(state, moveJoint(state, toId, 10, wrist.x, wrist.y))
      : applyDiff(state, {
          added: {},
          removed: {},
          updated: {
            [toId]: [
              state.persons[toId],
              {
                ...state.persons[toId],
                joints: state.persons[toId].joints.map((j, k) =>
                  k === 10 ? { x: wrist.x, y: wrist.y, v: 2, source: 'human' } : j,
                ),
              },
            ],
          },
        });
    const { fixed, predicted } = regroupInputs(edited);
    expect(fixed.map((f) => f.id)).toEqual([toId]);
    expect(fixed[0].fixed.filter(Boolean)).toHaveLength(1);
    expect(predicted).toHaveLength(poses.length - 1);
    const d = regroupProposal(edited, regroupWithFixedJoints(maps, out.peaks, fixed), (i) => `r${i}`);
    const after = applyDiff(edited, d);
    // The fixed wrist is untouched; nobody else has a right wrist there.
    expect(after.persons[toId].joints[10]).toBe(edited.persons[toId].joints[10]);
    const wrists = Object.values(after.persons).filter(
      (p) => p.joints[10]?.x === wrist.x && p.joints[10]?.y === wrist.y,
    );
    expect(wrists.map((p) => p.id)).toEqual([toId]);
    // The neighbour that had it is re-formed (removed, a new person added); persons that did not change stay.
    expect(d.removed[`p${from}`]).toBeDefined();
    expect(Object.keys(d.added).every((id) => id.startsWith('r'))).toBe(true);
    for (const p of Object.values(d.added))
      for (const j of p.joints) if (j) expect(j).toMatchObject({ source: 'model', model: { x: j.x, y: j.y } });
    // One diff, so one undo step back to the state before the regroup.
    expect(applyDiff(after, invertDiff(d))).toEqual(edited);
  });

  it('crowd regions and persons without joints take no part', () => {
    const s = {
      order: ['c', 'e'],
      persons: {
        c: { id: 'c', crowd: true, joints: new Array(17).fill(null) },
        e: { id: 'e', crowd: false, joints: new Array(17).fill(null) },
      },
    };
    expect(regroupInputs(s)).toEqual({ fixed: [], predicted: [] });
  });

  it('a joint set to v = 0 holds nothing: it neither fixes a person nor makes one take part', () => {
    const at = (x: number, v: 0 | 1 | 2, source: 'model' | 'human' | 'edited') => ({ x, y: 5, v, source });
    const joints = (...js: [number, ReturnType<typeof at>][]) => {
      const out: (ReturnType<typeof at> | null)[] = new Array(17).fill(null);
      for (const [k, j] of js) out[k] = j;
      return out;
    };
    const s = {
      order: ['z', 'm', 'h'],
      persons: {
        // Only an edited joint at v = 0: nothing labelled, like an empty person.
        z: { id: 'z', crowd: false, joints: joints([0, at(1, 0, 'edited')]) },
        // Model joints plus an edited one at v = 0: still a prediction the regroup may re-form.
        m: { id: 'm', crowd: false, joints: joints([0, at(2, 2, 'model')], [5, at(3, 0, 'edited')]) },
        // A human joint fixes the person; the v = 0 one beside it is not held.
        h: { id: 'h', crowd: false, joints: joints([0, at(4, 2, 'human')], [5, at(6, 0, 'human')]) },
      },
    };
    const { fixed, predicted } = regroupInputs(s);
    expect(predicted.map((p) => p.id)).toEqual(['m']);
    expect(fixed.map((f) => f.id)).toEqual(['h']);
    expect(fixed[0].fixed[0]).toEqual({ x: 4, y: 5 });
    expect(fixed[0].fixed.filter(Boolean)).toHaveLength(1);
  });
});
