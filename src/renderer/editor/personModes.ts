import { mergeConflicts, mergePersons, movePerson, splitPerson } from '../../core/edit/poseEdits.ts';
import { isLabelled, type AnnotationState, type PersonRecord } from '../../core/edit/poseRecords.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import { Slice } from './slice.ts';
import { predictedKeyOf } from './viewState.ts';
import type { CorrectionParts } from './imageCorrections.ts';

/**
 * A person command waiting for its second part: merge (the person to merge in: a click on one of its joints, or U
 * again for `target`, the nearest) or split (the joints marked to go: T marks the selected one, a click marks or
 * unmarks any of the person's; Enter splits them off). Esc leaves it.
 */
export type PersonMode =
  | { kind: 'merge'; personId: string; target: string | null }
  | { kind: 'split'; personId: string; joints: number[] };

/** What the person commands work on: the corrections' parts of the engine. */
export type PersonModeParts = CorrectionParts;

/** Move a whole person, merge two, split one (core/edit/poseEdits.ts): each one diff, so one undo step. */
export class PersonModes {
  readonly mode = new Slice<PersonMode | null>(null);
  private readonly p: PersonModeParts;

  constructor(parts: PersonModeParts) {
    this.p = parts;
    parts.images.current.subscribe(() => this.mode.set(null));
    parts.annotation.subscribe(() => {
      const m = this.mode.get(),
        s = this.p.annotation.get()?.state;
      if (m && (!s?.persons[m.personId] || (m.kind === 'merge' && m.target && !s.persons[m.target])))
        this.mode.set(null);
    });
  }

  private state(): AnnotationState | null {
    return this.p.annotation.get()?.state ?? null;
  }
  private selected(): PersonRecord | null {
    const id = this.p.view.selection.get().selection.personId;
    return (id && this.state()?.persons[id]) || null;
  }

  /** Arrow keys: the selected person moves by (dx, dy) image px, one undo step per press. */
  move(dx: number, dy: number): boolean {
    const p = this.selected();
    if (!p?.joints.some(Boolean)) return false;
    this.run('Move person', () => movePerson(this.state()!, p.id, dx, dy));
    return true;
  }

  /** U: arms merge for the selected person (target: the nearest other); U again merges with that target. */
  merge(): boolean {
    const m = this.mode.get();
    if (m?.kind === 'merge') return m.target ? this.mergeWith(m.target) : false;
    const p = this.selected();
    if (!p) return false;
    const target = nearestPerson(this.state()!, p);
    this.mode.set({ kind: 'merge', personId: p.id, target });
    this.p.notices.say(
      target
        ? 'Merge: click the person to merge in, or U again for the highlighted one (Esc: cancel)'
        : 'Merge: click the person to merge in (Esc: cancel)',
    );
    return true;
  }

  /** Merges `otherId` into the merge's person; where both have a joint, the selected person's stays (said). */
  private mergeWith(otherId: string): boolean {
    const m = this.mode.get(),
      s = this.state();
    if (m?.kind !== 'merge' || !s || otherId === m.personId || !s.persons[otherId]) return false;
    const both = mergeConflicts(s, m.personId, otherId);
    this.mode.set(null);
    const take = Object.fromEntries(both.map((k) => [k, 'keep' as const]));
    this.run('Merge persons', () => mergePersons(s, m.personId, otherId, take));
    this.p.view.select({ personId: m.personId, joint: null });
    if (both.length)
      this.p.notices.say(
        `Merged: where both had a joint (${both.length}), the selected person's was kept; Mod+Z undoes the merge`,
      );
    return true;
  }

  /** T: starts a split with the selected joint marked, or marks/unmarks the selected joint of the split's person. */
  split(): boolean {
    const { selection } = this.p.view.selection.get();
    const p = this.selected();
    if (!p || selection.joint === null) return false;
    const m = this.mode.get();
    if (m?.kind === 'split' && m.personId === p.id) return this.toggle(selection.joint);
    if (!isLabelled(p.joints[selection.joint])) return false;
    this.mode.set({ kind: 'split', personId: p.id, joints: [selection.joint] });
    this.p.notices.say('Split: mark more joints (Tab then T, or click them), Enter splits them off (Esc: cancel)');
    return true;
  }

  private toggle(k: number): boolean {
    const m = this.mode.get();
    if (m?.kind !== 'split' || !this.state()?.persons[m.personId]?.joints[k]) return false;
    const joints = m.joints.includes(k) ? m.joints.filter((j) => j !== k) : [...m.joints, k].sort((a, b) => a - b);
    this.mode.set({ ...m, joints });
    return true;
  }

  /** A joint pressed while a mode waits: merge with its person, or mark it for the split. */
  pressJoint(personId: string, joint: number): boolean {
    const m = this.mode.get();
    if (!m || predictedKeyOf(personId) !== null) return false;
    if (m.kind === 'merge') return personId === m.personId ? true : this.mergeWith(personId);
    return personId === m.personId ? this.toggle(joint) : false;
  }

  /** Enter: carries out the split. */
  confirm(): boolean {
    const m = this.mode.get(),
      s = this.state();
    if (m?.kind !== 'split' || !s) return false;
    this.mode.set(null);
    const id = this.p.newPersonId(s.order.length);
    if (this.run('Split person', () => splitPerson(s, m.personId, m.joints, id)))
      this.p.view.select({ personId: id, joint: null });
    return true;
  }

  cancel(): boolean {
    if (!this.mode.get()) return false;
    this.mode.set(null);
    return true;
  }

  /** Runs one edit; a refusal (EditError: "say whose to keep", "would leave it empty") is said, nothing changes. */
  private run(label: string, make: () => RecordDiff): boolean {
    let diff: RecordDiff;
    try {
      diff = make();
    } catch (e) {
      this.p.notices.fail(label, e);
      return false;
    }
    void this.p.commit(diff, label);
    return true;
  }
}

/** The other non-crowd person whose labelled joints come nearest to any of `p`'s (null: none). */
function nearestPerson(s: AnnotationState, p: PersonRecord): string | null {
  const mine = p.joints.filter(isLabelled);
  let best: string | null = null,
    bestD = Infinity;
  for (const id of s.order) {
    const o = s.persons[id];
    if (id === p.id || o.crowd) continue;
    for (const j of o.joints)
      if (isLabelled(j))
        for (const q of mine) {
          const d = Math.hypot(j.x - q.x, j.y - q.y);
          if (d < bestD) [bestD, best] = [d, id];
        }
  }
  return best;
}
