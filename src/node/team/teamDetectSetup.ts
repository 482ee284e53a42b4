import { type Stats, statSync } from 'node:fs';
import type { DetectSettings } from '../jobs/detectSettings.ts';
import { DEFAULT_DETECT_SETTINGS, detectSettingsProblem } from '../jobs/detectSettings.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamRunRepository } from './teamRunRepository.ts';
import type { TeamClient } from './teamTransaction.ts';
import { teamWriteTransaction } from './teamTransaction.ts';

/**
 * The team project's detection settings (kept in team_meta, never exported) and what "Run detection" still has to
 * do with them: the images whose present file has no prediction from any run of the server's model (by content
 * hash) with these settings — as the local project completes its model's run with its settings (a failed image is
 * detected again).
 */

export const DETECT_SETTINGS_KEY = 'detect_settings';

/** A settings value compared by content, whatever the key order it was sent or stored in. */
const settingsKey = (s: DetectSettings) => JSON.stringify([s.scales, s.flip, s.mode]);

export async function readTeamDetectSettings(c: TeamClient): Promise<DetectSettings> {
  const v = (await teamMetaRepository.all(c)).get(DETECT_SETTINGS_KEY);
  if (v === undefined) return DEFAULT_DETECT_SETTINGS;
  const s = JSON.parse(v) as DetectSettings;
  return { scales: s.scales, flip: s.flip, mode: s.mode };
}

/** Stores the settings the app's "Run detection" uses from now on (checked as the local project checks them). */
export async function writeTeamDetectSettings(team: TeamDb, settings: DetectSettings): Promise<void> {
  const problem = detectSettingsProblem(settings);
  if (problem) throw new ApiError('bad_request', problem);
  const value = JSON.stringify({ scales: settings.scales, flip: settings.flip, mode: settings.mode });
  await teamWriteTransaction(team.pool, 'the detection settings', (c) =>
    teamMetaRepository.set(c, DETECT_SETTINGS_KEY, value),
  );
}

/**
 * A model file's content hash, hashed again only when its size or modification time changes; null while the file
 * cannot be read (the setup then says the model is missing, and detection says why when it is started).
 */
export function modelHasher(modelPath: string): () => Promise<string | null> {
  let known: { stamp: string; hash: Promise<string | null> } | null = null;
  return () => {
    let st: Stats;
    try {
      st = statSync(modelPath);
    } catch {
      return Promise.resolve(null);
    }
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (known?.stamp !== stamp) known = { stamp, hash: hashModelFile(modelPath).catch(() => null) };
    return known.hash;
  };
}

/**
 * The detection the app completes with `settings` and the model of content `modelHash`: the runs of that model and
 * settings (newest first; the first is the current run) — the images none of them predicted are still to detect.
 */
export async function runsWithSetup(
  c: TeamClient,
  modelHash: string | null,
  settings: DetectSettings,
): Promise<number[]> {
  if (modelHash === null) return [];
  const key = settingsKey(settings);
  return (await teamRunRepository.ofModel(c, modelHash))
    .filter((r) => settingsKey(r.settings) === key)
    .map((r) => r.id);
}

/** The present images (project order) without a prediction of their current file in any of the runs `runIds`. */
export async function imagesLacking(
  c: TeamClient,
  runIds: readonly number[],
): Promise<{ id: number; relPath: string; contentHash: string }[]> {
  const images = await teamImageRepository.detectable(c);
  if (runIds.length === 0) return images;
  const predicted = await teamRunRepository.predictedContent(c, runIds);
  return images.filter((im) => !predicted.get(im.id)?.has(im.contentHash));
}
