import type { ColormapName } from '../../core/geometry/colormap.ts';
import { CHANNELS } from '../../core/skeleton/poseMeta.ts';
import { ImageStatus } from '../../contract/apiPayloads.ts';
import { reasonOf } from './notices.ts';
import { DEFAULT_SNAP_OPTIONS } from '../../core/correct/snapToPeak.ts';
import { DEFAULT_TOP_K } from '../../core/correct/topKPeaks.ts';
import { CANDIDATE_KEYS_MAX } from '../../core/edit/correctionCommandInfo.ts';

export interface HeatmapSettings {
  visible: boolean;
  channel: number;
  opacity: number;
  colormap: ColormapName;
  followHover: boolean;
  parts: boolean;
}
/** The model's predictions on the canvas: shown (dashed, at or above the project's threshold) or all hidden. */
export interface TriagePrefs {
  showPredictions: boolean;
}
/** Heatmap-assisted corrections (renderer/editor/imageCorrections.ts). */
export interface CorrectionPrefs {
  /** Snap a dragged or placed joint to its channel's nearest peak: while this key is held, always, or never. */
  snap: 'Shift' | 'Alt' | 'always' | 'off';
  /** How far (image px) a snap looks for a peak. */
  snapRadiusPx: number;
  /** Second guesses drawn for the selected joint (0: none). */
  topK: number;
}
/** The settings' bounds (the panel's inputs and the stored preferences' check): snap radius, image px. */
export const SNAP_RADIUS_RANGE_PX = [1, 64] as const;
/** Second guesses: none up to one per candidate key. */
export const TOP_K_RANGE = [0, CANDIDATE_KEYS_MAX] as const;
/** `v` is a number within [lo, hi] (a whole one when `whole`). */
export function inRange(v: unknown, [lo, hi]: readonly [number, number], whole: boolean): v is number {
  return typeof v === 'number' && (whole ? Number.isInteger(v) : Number.isFinite(v)) && v >= lo && v <= hi;
}
/** Where the window was in a project, so that a reload or a new session resumes there. */
export interface ResumePoint {
  imageId: number;
  filter: { status?: string; minScore?: number; maxScore?: number; order: 'file' | 'uncertainty' | 'hardness' };
}
/** What this window keeps between sessions (detection settings live in the project: editor/projectSetup.ts). */
export interface ViewPrefs {
  heatmap: HeatmapSettings;
  triage: TriagePrefs;
  corrections: CorrectionPrefs;
  /** By project folder (the most recent few). */
  resume: Record<string, ResumePoint>;
}

/** Where preferences live between sessions: localStorage in the app, memory in tests. Both may throw. */
export interface PrefsStorage {
  read(): string | null;
  write(text: string): void;
}

export const DEFAULT_PREFS: ViewPrefs = {
  heatmap: {
    visible: false,
    channel: CHANNELS.keypointMax,
    opacity: 0.6,
    colormap: 'turbo',
    followHover: true,
    parts: false,
  },
  triage: { showPredictions: true },
  corrections: { snap: 'Shift', snapRadiusPx: DEFAULT_SNAP_OPTIONS.radiusPx, topK: DEFAULT_TOP_K },
  resume: {},
};

/** Projects whose resume point is kept. */
export const RESUME_PROJECTS = 20;

const KEY = 'simplepose.prefs';

/** The browser's storage (private mode may refuse writes; a page without storage refuses reads). */
export function localPrefsStorage(): PrefsStorage {
  return {
    read: () => localStorage.getItem(KEY),
    write: (text) => localStorage.setItem(KEY, text),
  };
}

export function memoryPrefsStorage(text: string | null = null): PrefsStorage & { text: string | null } {
  const store = {
    text,
    read: () => store.text,
    write: (t: string) => {
      store.text = t;
    },
  };
  return store;
}

type Checks<T> = { [K in keyof T]-?: (v: unknown) => v is T[K] };
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
const HEATMAP: Checks<HeatmapSettings> = {
  visible: bool,
  channel: (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < CHANNELS.count,
  opacity: (v): v is number => typeof v === 'number' && v >= 0 && v <= 1,
  colormap: (v): v is ColormapName => v === 'turbo' || v === 'gray',
  followHover: bool,
  parts: bool,
};

const TRIAGE: Checks<TriagePrefs> = { showPredictions: bool };
const CORRECTIONS: Checks<CorrectionPrefs> = {
  snap: (v): v is CorrectionPrefs['snap'] => v === 'Shift' || v === 'Alt' || v === 'always' || v === 'off',
  snapRadiusPx: (v): v is number => inRange(v, SNAP_RADIUS_RANGE_PX, false),
  topK: (v): v is number => inRange(v, TOP_K_RANGE, true),
};
const STATUSES = new Set<string>(ImageStatus.options);
const optNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
function isResumePoint(v: unknown): v is ResumePoint {
  if (typeof v !== 'object' || v === null) return false;
  const { imageId, filter } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(imageId) || (imageId as number) < 1 || typeof filter !== 'object' || filter === null)
    return false;
  const f = filter as Record<string, unknown>;
  return (
    (f.order === 'file' || f.order === 'uncertainty' || f.order === 'hardness') &&
    (f.status === undefined || STATUSES.has(f.status as string)) &&
    optNumber(f.minScore) &&
    optNumber(f.maxScore)
  );
}
/** The resume points that pass their check (the others are dropped and named). */
function pickResume(given: unknown, bad: string[]): Record<string, ResumePoint> {
  if (given === undefined) return {};
  if (typeof given !== 'object' || given === null) {
    bad.push('resume');
    return {};
  }
  const out: Record<string, ResumePoint> = {};
  for (const [root, v] of Object.entries(given)) {
    if (isResumePoint(v)) out[root] = v;
    else bad.push(`resume[${JSON.stringify(root)}]`);
  }
  return out;
}

/** The fields of `given` that pass their check over `defaults`; the names of those that do not go to `bad`. */
function pick<T extends object>(name: string, defaults: T, given: unknown, checks: Checks<T>, bad: string[]): T {
  if (given === undefined) return defaults;
  if (typeof given !== 'object' || given === null) {
    bad.push(name);
    return defaults;
  }
  const out = { ...defaults };
  for (const k of Object.keys(checks) as (keyof T)[]) {
    const v: unknown = Reflect.get(given, k);
    if (v === undefined) continue;
    if (checks[k](v)) out[k] = v;
    else bad.push(`${name}.${String(k)}`);
  }
  return out;
}

/**
 * The saved preferences over the defaults. Anything unreadable or out of range (an older version's, a hand edit)
 * falls back to its default and is named in `problem`, which the editor shows once.
 */
export function readPrefs(storage: PrefsStorage): { prefs: ViewPrefs; problem: string | null } {
  let saved: unknown;
  try {
    saved = JSON.parse(storage.read() ?? '{}');
  } catch (e) {
    return { prefs: DEFAULT_PREFS, problem: `Saved preferences could not be read (${reasonOf(e)}); defaults are used` };
  }
  const bad: string[] = [];
  const field = (k: string) => (typeof saved === 'object' && saved !== null ? Reflect.get(saved, k) : undefined);
  const prefs = {
    heatmap: pick('heatmap', DEFAULT_PREFS.heatmap, field('heatmap'), HEATMAP, bad),
    triage: pick('triage', DEFAULT_PREFS.triage, field('triage'), TRIAGE, bad),
    corrections: pick('corrections', DEFAULT_PREFS.corrections, field('corrections'), CORRECTIONS, bad),
    resume: pickResume(field('resume'), bad),
  };
  return {
    prefs,
    problem: bad.length
      ? `Some saved preferences were not valid and are back to their defaults: ${bad.join(', ')}`
      : null,
  };
}
