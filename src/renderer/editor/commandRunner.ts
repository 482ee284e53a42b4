import {
  EDITOR_COMMANDS,
  commandForKey,
  type CommandEffect,
  type EditorCommand,
  type EditorContext,
  type KeyLike,
} from '../../core/edit/editorCommands.ts';
import type { EditorEngine } from './editorEngine.ts';
import { VIEW_COMMANDS } from './viewCommands.ts';

let made = 0;
/**
 * A fresh person id: the time, a counter of this page (so two ids made here never meet, even within one
 * millisecond) and a random tail (for another window of the same project). `i`: the index of the person made in
 * the same step.
 */
export function newPersonId(i: number): string {
  made++;
  return `p${Date.now().toString(36)}${made.toString(36)}_${i}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The editor's commands as the keyboard and the menus reach them: the context a command sees (the open image's
 * state, selection, triage), running one, carrying out its effect in order (selection, edit, prediction, history,
 * the review question, status, navigation), and key dispatch (the review question first, the corrections' keys,
 * Escape, view commands, then editing commands). It holds no state of its own: everything is in the engine's parts.
 */
export class CommandRunner {
  private readonly engine: EditorEngine;
  constructor(engine: EditorEngine) {
    this.engine = engine;
  }

  context(): EditorContext | null {
    const e = this.engine;
    const a = e.annotation.get(),
      cur = e.images.current.get(),
      triage = e.triage.get();
    if (!a || !cur || !triage) return null;
    const sel = e.view.selection.get();
    return {
      state: a.state,
      selection: sel.selection,
      triage,
      prediction: sel.prediction,
      predictionsShown: e.view.triage.get().showPredictions,
      canUndo: a.canUndo,
      canRedo: a.canRedo,
      newPersonId,
    };
  }

  async run(command: EditorCommand): Promise<void> {
    const ctx = this.context();
    // Undo/redo run even when disabled, to say there is nothing to undo.
    if (!ctx || (!command.isEnabled(ctx) && !command.id.startsWith('history.'))) return;
    let effect: CommandEffect;
    try {
      effect = command.run(ctx);
    } catch (err) {
      this.engine.notices.fail(command.label, err);
      return;
    }
    await this.apply(effect, command.label);
  }

  /** Carries out what a command (or the review question's answer) asks for, in order. */
  async apply(effect: CommandEffect, label: string): Promise<void> {
    const e = this.engine;
    if (effect.selection) e.view.select(effect.selection, effect.placeMode ?? false);
    else if (effect.placeMode !== undefined) e.view.setPlaceMode(effect.placeMode);
    if (effect.diff) await e.commit(effect.diff, effect.label ?? label);
    if (effect.prediction !== undefined) e.view.selectPrediction(effect.prediction);
    if (effect.history) await e.history(effect.history);
    if (effect.ask) return e.flow.ask(effect.ask);
    // An image whose status could not be set stays open (the message says why).
    if (effect.review && !(await e.flow.review(effect.review))) return;
    if (effect.navigate) await e.navigate(effect.navigate);
  }

  /** Runs a command by id (menus of the desktop app). */
  runCommandId(id: string): void {
    const view = VIEW_COMMANDS.find((c) => c.id === id);
    if (view) {
      view.apply(this.engine);
      return;
    }
    const cmd = EDITOR_COMMANDS.find((c) => c.id === id);
    if (cmd) void this.run(cmd);
    else if (!this.engine.corrections.runCommandId(id)) this.engine.notices.say(`No command ${id}`);
  }

  /** Handles a key press; true when it was a shortcut (the caller then prevents the default). */
  handleKey(k: KeyLike): boolean {
    const e = this.engine;
    if (e.flow.handleKey(k)) return true;
    if (!e.notices.dialog.get() && e.corrections.handleKey(k, e.isMac)) return true;
    if (k.key === 'Escape') {
      if (e.notices.dialog.get()) e.notices.open(null);
      else {
        e.pointer.cancel();
        e.view.clearSelection();
      }
      return true;
    }
    if (e.notices.dialog.get()) return false;
    const view = commandForKey(k, e.isMac, VIEW_COMMANDS);
    if (view) {
      view.apply(e);
      return true;
    }
    const cmd = commandForKey(k, e.isMac, EDITOR_COMMANDS);
    if (!cmd) return false;
    void this.run(cmd);
    return true;
  }
}
