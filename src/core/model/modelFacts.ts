/**
 * What a reviewer should know about a model before trusting its skeletons, read from its card as training/train.py,
 * training/finetune.py and training/export.py write it (`<model>.card.json`): what it was trained on, whether that
 * was synthetic people only, and the accuracy its card reports. Nothing is guessed: a card that does not say is
 * reported as not saying.
 */
export interface ModelFacts {
  trainedOn: string;
  /** Trained on `simplepose synth` images alone: poor on photos (the bundled model's AP on COCO photos is 0.000). */
  syntheticOnly: boolean;
  /** The measurements the card reports (at most 8), in its order. */
  accuracy: { on: string; AP: number; AP50: number | null }[];
  parameters: number | null;
  /** The card's own summary of the model's state (its `status`), if any. */
  note: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown, max = 400): string | null => (typeof v === 'string' && v ? v.slice(0, max) : null);

/** `card`: the card file's JSON as written (null: the model has no card). */
export function modelFacts(card: unknown): ModelFacts {
  const c = obj(card) ?? {};
  const training = obj(c.training);
  const synth = obj(c.training_data);
  const dataset = obj(training?.dataset);
  const generator = text(synth?.generator);
  const syntheticOnly = generator !== null && dataset === null;
  return {
    trainedOn: trainedOn(c, training, synth, dataset),
    syntheticOnly,
    accuracy: accuracyOf(obj(c.accuracy)),
    parameters: num(obj(c.architecture)?.parameters),
    note: text(c.status, 600),
  };
}

function trainedOn(c: Obj, training: Obj | null, synth: Obj | null, dataset: Obj | null): string {
  if (dataset) {
    const train = obj(dataset.train);
    const images = num(train?.images),
      persons = num(train?.persons);
    return `${text(dataset.source, 200) ?? 'a COCO file'}${images !== null ? `: ${images} images` : ''}${persons !== null ? `, ${persons} persons` : ''} (fine-tuned)`;
  }
  if (synth) {
    const images = num(obj(synth.train)?.images);
    return `synthetic people only (simplepose synth${images !== null ? `, ${images.toLocaleString('en-US')} images` : ''})`;
  }
  const data = obj(training?.data);
  if (data) {
    const images = num(data.images);
    return `a COCO keypoints file${images !== null ? ` of ${images} images` : ''} (training.train; the card does not name it)`;
  }
  const checkpoint = text(obj(c.source)?.checkpoint, 200);
  return checkpoint
    ? `not stated in its card (exported from ${checkpoint})`
    : 'not stated (the model has no card saying so)';
}

function accuracyOf(acc: Obj | null): ModelFacts['accuracy'] {
  if (!acc) return [];
  const out: ModelFacts['accuracy'] = [];
  for (const [key, v] of Object.entries(acc)) {
    const o = obj(v);
    const AP = num(o?.AP);
    if (AP === null || out.length >= 8) continue;
    out.push({ on: key.replaceAll('_', ' '), AP, AP50: num(o?.AP50) });
  }
  return out;
}
