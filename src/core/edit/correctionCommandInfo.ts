import { DEFAULT_TOP_K } from '../correct/topKPeaks.ts';

/**
 * The heatmap-assisted correction commands as menus, the shortcut overlay and key dispatch know them (id, label,
 * shortcuts as "Mod+Shift+Z" strings), declared once beside the editing and view commands so that the Electron menu
 * can read them too; what each does is the renderer's (renderer/editor/correctionCommands.ts), because they read the
 * image's maps, which only the renderer holds. `keysUsed` keeps them apart from the other tables (a test).
 */
export interface CorrectionCommandInfo {
  id: string;
  label: string;
  shortcuts: readonly string[];
}

/** Keys 1…k pick the second guess drawn with that number (k up to 9, the settings' bound). */
export const CANDIDATE_KEYS_MAX = 9;

export const CORRECTION_COMMAND_INFO = [
  {
    id: 'correct.candidate',
    label: `Move the selected joint to candidate n (or place it there), while candidates are drawn (1…k, k = ${DEFAULT_TOP_K} by default)`,
    shortcuts: Array.from({ length: CANDIDATE_KEYS_MAX }, (_, i) => String(i + 1)),
  },
  { id: 'correct.nextFlag', label: 'Next flag (L/R swap or label error) of the image', shortcuts: ['L'] },
  { id: 'correct.previousFlag', label: 'Previous flag of the image', shortcuts: ['Shift+L'] },
  {
    id: 'correct.regroup',
    label: 'Regroup: re-run the assignment holding the joints you placed (Enter applies, Esc discards)',
    shortcuts: ['Shift+G'],
  },
  {
    id: 'correct.merge',
    label: 'Merge: U, then click another person (or U again: the nearest); the selected person keeps its joints',
    shortcuts: ['U'],
  },
  {
    id: 'correct.split',
    label: 'Split: T marks the selected joint (Tab, T to mark more, or click joints); Enter splits them off',
    shortcuts: ['T'],
  },
  {
    id: 'correct.moveLeft',
    label: 'Move the selected person left 1 px (Shift: 10 px)',
    shortcuts: ['ArrowLeft', 'Shift+ArrowLeft'],
  },
  { id: 'correct.moveRight', label: 'Move the selected person right', shortcuts: ['ArrowRight', 'Shift+ArrowRight'] },
  { id: 'correct.moveUp', label: 'Move the selected person up', shortcuts: ['ArrowUp', 'Shift+ArrowUp'] },
  { id: 'correct.moveDown', label: 'Move the selected person down', shortcuts: ['ArrowDown', 'Shift+ArrowDown'] },
] as const satisfies readonly CorrectionCommandInfo[];

export type CorrectionCommandId = (typeof CORRECTION_COMMAND_INFO)[number]['id'];
