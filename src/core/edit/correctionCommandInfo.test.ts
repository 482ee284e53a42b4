import { describe, expect, it } from 'vitest';
import { EDITOR_COMMANDS, shortcutConflicts } from './editorCommands.ts';
import { VIEW_COMMAND_INFO } from './viewCommandInfo.ts';
import { CORRECTION_COMMAND_INFO } from './correctionCommandInfo.ts';

describe('correction command shortcuts', () => {
  it('clash with no editing or view command, except the candidate digits, which take 1 only while candidates are drawn', () => {
    const all = [...EDITOR_COMMANDS, ...VIEW_COMMAND_INFO, ...CORRECTION_COMMAND_INFO].map((c) => ({
      id: c.id,
      shortcuts: [...c.shortcuts],
    }));
    expect(shortcutConflicts(all)).toEqual(['1: view.actualSize and correct.candidate']);
  });
});
