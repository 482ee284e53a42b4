import type { CommandEffect, EditorContext, KeyLike } from '../../core/edit/editorCommands.ts';
import { isEmptyPerson } from '../../core/edit/poseRecords.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import {
  promptChoiceForKey,
  removeEmptyPersons,
  resolvePrompt,
  type PromptChoice,
  type ReviewQuestion,
} from '../../core/review/reviewPrompt.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageListModel, ImageStatusName } from './imageListModel.ts';
import type { ImageSession } from './imageSession.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

export type ReviewStatus = 'accepted' | 'rejected' | 'skipped' | 'no_person';

export interface ReviewParts {
  client: StudioClient;
  view: ViewState;
  images: ImageSession;
  edits: EditSession;
  list: ImageListModel;
  notices: Notices;
  annotation: Slice<ShownAnnotation | null>;
  context(): EditorContext | null;
  commit(diff: RecordDiff, label: string): Promise<void>;
  /** Runs the rest of an effect (diff, review, navigation) as a command's would. */
  apply(effect: CommandEffect, label: string): Promise<void>;
}

/**
 * The review side of the editor: statuses change only by the reviewer's action (opening an image changes nothing;
 * the first saved edit of an unreviewed image makes it "in progress", server and window alike), the one question
 * before accepting or rejecting an image with undecided predictions (`prompt`: inline, answered by key or button),
 * and empty persons — no labelled joint, no box — removed (one undo step) when the reviewer leaves them, before a
 * status is set and before another image opens, so that none is ever ground truth.
 */
export class ReviewFlow {
  readonly prompt = new Slice<ReviewQuestion | null>(null);
  private readonly p: ReviewParts;
  private leftPerson: string | null = null;

  constructor(parts: ReviewParts) {
    this.p = parts;
    // A person the reviewer leaves (the selection moves on) is removed when it has nothing labelled.
    parts.view.selection.subscribe(() => {
      const id = parts.view.selection.get().selection.personId;
      if (this.leftPerson !== null && this.leftPerson !== id) this.left(this.leftPerson);
      this.leftPerson = id;
    });
  }

  ask(q: ReviewQuestion): void {
    this.prompt.set(q);
  }

  /** A key while the question is open: its option, Escape cancels; every other key is held back (true). */
  handleKey(e: KeyLike): boolean {
    const q = this.prompt.get();
    if (!q) return false;
    const choice = e.key === 'Escape' ? 'cancel' : promptChoiceForKey(q, e);
    if (choice) void this.choose(choice);
    return true;
  }

  async choose(choice: PromptChoice): Promise<void> {
    const q = this.prompt.get();
    this.prompt.set(null);
    const ctx = this.p.context();
    if (!q || !ctx) return;
    const effect = resolvePrompt(ctx, q, choice);
    await this.p.apply(effect, effect.label ?? 'Review');
  }

  /** Closes the question (another image opened, another window changed this one). */
  dismiss(): void {
    this.prompt.set(null);
  }

  /** The reviewer left person `id` (selection moved on): removed if it is empty. */
  left(id: string): void {
    const a = this.p.annotation.get();
    const person = a?.state.persons[id];
    if (a && person && isEmptyPerson(person))
      void this.p.commit(removeEmptyPersons(a.state, [id]), 'Remove empty person');
  }

  /** Before a status is set or another image opens: every empty person of the open image goes (one step). */
  async leaveImage(): Promise<void> {
    const a = this.p.annotation.get();
    if (!a) return;
    const d = removeEmptyPersons(a.state);
    const n = Object.keys(d.removed).length;
    if (n) await this.p.commit(d, n === 1 ? 'Remove empty person' : `Remove ${n} empty persons`);
  }

  /** Sets the open image's review status once its edits are saved; false: it could not be set. */
  async review(status: ReviewStatus): Promise<boolean> {
    const cur = this.p.images.current.get();
    if (!cur) return false;
    await this.leaveImage();
    await this.p.edits.idle();
    const r = await this.p.notices.attempt(`The image could not be marked ${status.replace('_', ' ')}`, () =>
      this.p.client.api.setStatus({ imageId: cur.row.id, status }),
    );
    if (r) this.patchStatus(cur.row.id, r.status);
    return r !== undefined;
  }

  /** An edit of the image was saved: an unreviewed image is in progress now (the server set it in the same call). */
  saved(imageId: number): void {
    const cur = this.p.images.current.get();
    const i = this.p.list.indexOf(imageId);
    const row = cur?.row.id === imageId ? cur.row : i >= 0 ? this.p.list.rowAt(i) : undefined;
    if (row?.status === 'unreviewed') this.patchStatus(imageId, 'in_progress');
  }

  private patchStatus(imageId: number, status: ImageStatusName): void {
    this.p.list.patchRow(imageId, { status });
    this.p.images.patchRow(imageId, { status });
  }
}
