import { Slice } from './slice.ts';

export type DialogName = 'help' | 'export' | 'settings' | 'evaluation' | 'problems' | 'rerun' | 'train';

/** The message of a failed call: the server's or the transport's own words, never a stack. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  if (typeof e === 'string' && e) return e;
  return 'an unknown error';
}

/**
 * The status line and the open dialog, and the editor's one error policy: every failed call is reported here, once,
 * as "<what was being done>: <why>" (`fail`), and an action whose failure is only to be reported runs through
 * `attempt`, so that nothing the UI starts rejects into a `void` or is swallowed.
 */
export class Notices {
  readonly message = new Slice<string | null>(null);
  readonly dialog = new Slice<DialogName | null>(null);
  /** Counts what was said: whoever notes it can tell later whether anything was said since. */
  version = 0;

  say(message: string | null): void {
    this.version++;
    this.message.set(message);
  }

  /** Reports a failure of `action` ("Detection did not start", "Undo failed", …); returns the message shown. */
  fail(action: string, e: unknown): string {
    const text = `${action}: ${reasonOf(e)}`;
    this.say(text);
    return text;
  }

  /** Runs `f`; a failure is reported as `action` failing and resolves to undefined (never rejects). */
  async attempt<T>(action: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      this.fail(action, e);
      return undefined;
    }
  }

  open(dialog: DialogName | null): void {
    this.dialog.set(dialog);
  }
}
