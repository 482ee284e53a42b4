import { commandForKey, type HasShortcuts, type KeyLike } from '../../core/edit/editorCommands.ts';
import { CORRECTION_COMMAND_INFO, type CorrectionCommandId } from '../../core/edit/correctionCommandInfo.ts';
import type { GestureCorrections } from './canvasGestures.ts';
import { ImageCorrections, type CorrectionParts } from './imageCorrections.ts';
import { ImageFlags } from './imageFlags.ts';
import { ImageRegroup } from './imageRegroup.ts';
import { PersonModes } from './personModes.ts';
import type { PointerMods } from './pointerMachine.ts';
import { defaultRegroupRunner, type RegroupRunner } from './regroupRunner.ts';

/** A correction command: its id, label and shortcuts (core/edit/correctionCommandInfo.ts) and what it does. */
export interface CorrectionCommand extends HasShortcuts {
  label: string;
  /** Runs it; false when it does not apply now (the key then goes on to the other tables: 1 is also zoom 1:1). */
  apply(c: Corrections, e: KeyLike | null): boolean;
}

const step = (e: KeyLike | null) => (e?.shiftKey ? 10 : 1);
const APPLY: Record<CorrectionCommandId, CorrectionCommand['apply']> = {
  'correct.candidate': (c, e) => (e ? c.fix.pickCandidate(Number(e.key)) : false),
  'correct.nextFlag': (c) => c.flags.step(1),
  'correct.previousFlag': (c) => c.flags.step(-1),
  'correct.regroup': (c) => c.regroup.start(),
  'correct.merge': (c) => c.persons.merge(),
  'correct.split': (c) => c.persons.split(),
  'correct.moveLeft': (c, e) => c.persons.move(-step(e), 0),
  'correct.moveRight': (c, e) => c.persons.move(step(e), 0),
  'correct.moveUp': (c, e) => c.persons.move(0, -step(e)),
  'correct.moveDown': (c, e) => c.persons.move(0, step(e)),
};

export const CORRECTION_COMMANDS: CorrectionCommand[] = CORRECTION_COMMAND_INFO.map((c) => ({
  id: c.id,
  label: c.label,
  shortcuts: [...c.shortcuts],
  apply: APPLY[c.id],
}));

/**
 * The heatmap-assisted corrections as one part of the engine: snap and second guesses (`fix`), regroup, flags and
 * the side-by-side view (`flags`), move / merge / split (`persons`), their keys, and what the canvas gestures ask.
 * Keys first go to a waiting proposal or mode (Enter applies, Esc leaves), then to the command table.
 */
export class Corrections implements GestureCorrections {
  readonly fix: ImageCorrections;
  readonly regroup: ImageRegroup;
  readonly flags: ImageFlags;
  readonly persons: PersonModes;

  /** `runner`: where regroups run (default: a Web Worker in the page, the page's thread elsewhere). */
  constructor(parts: CorrectionParts, runner: RegroupRunner = defaultRegroupRunner()) {
    this.fix = new ImageCorrections(parts);
    this.regroup = new ImageRegroup(parts, runner);
    this.flags = new ImageFlags({ ...parts, inputs: () => this.fix.inputs() });
    this.persons = new PersonModes(parts);
  }

  preview(joint: number, at: { x: number; y: number }, mods: PointerMods) {
    return this.fix.preview(joint, at, mods);
  }
  endPreview() {
    return this.fix.endPreview();
  }
  pressJoint(personId: string, joint: number): boolean {
    return this.persons.pressJoint(personId, joint);
  }

  /** A key press; true when a correction took it. */
  handleKey(e: KeyLike, isMac: boolean): boolean {
    const plain = !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey;
    // Enter while a regroup runs waits for its proposal: it must not reach the review keys (Enter accepts the image).
    if (e.key === 'Enter' && plain && (this.regroup.accept() || this.regroup.running() || this.persons.confirm()))
      return true;
    if (e.key === 'Escape' && (this.regroup.discard() || this.persons.cancel())) return true;
    const cmd = commandForKey(e, isMac, CORRECTION_COMMANDS);
    return cmd ? cmd.apply(this, e) : false;
  }

  /** Runs a command by id (menus); false when there is no such command. */
  runCommandId(id: string): boolean {
    const cmd = CORRECTION_COMMANDS.find((c) => c.id === id);
    if (cmd) cmd.apply(this, null);
    return cmd !== undefined;
  }
}
