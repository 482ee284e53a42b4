import type { z } from 'zod';

/** One problem of a payload: where (`$.diff.added.p1.joints[3].x`) and what, in words. */
export interface PayloadIssue {
  path: string;
  message: string;
}

/**
 * Every problem of `value` against `schema`, each with its JSON path and a message in the app's words (zod's own
 * messages name its internals: "expected int to be <=9007199254740991"). Empty when the value fits.
 */
export function payloadIssues(schema: z.ZodType, value: unknown, root = '$'): PayloadIssue[] {
  const r = schema.safeParse(value, { reportInput: true, error: describeIssue });
  if (r.success) return [];
  const out: PayloadIssue[] = [];
  for (const i of r.error.issues) {
    const at = root + i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    // One issue per unknown field, located at the field (zod reports them together, at their object).
    if (i.code === 'unrecognized_keys')
      for (const k of i.keys) out.push({ path: `${at}.${k}`, message: 'unknown field' });
    else out.push({ path: at, message: i.message });
  }
  return out;
}

const show = (v: unknown) => {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined; // a cycle or a BigInt: only an IPC payload can hold one
  }
  if (typeof v === 'number' && !Number.isFinite(v)) s = String(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

type RawIssue = z.core.$ZodRawIssue & { schema?: z.core.$ZodType; input?: unknown };
/** The bounds zod's classic number and string schemas report (minValue/maxValue, minLength/maxLength). */
interface Bounds {
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  minLength?: number | null;
  maxLength?: number | null;
}
const boundsOf = (iss: RawIssue): Bounds => (iss.schema ?? {}) as Bounds;

const range = (lo: number | undefined, hi: number | undefined, unit = '') =>
  lo !== undefined && hi !== undefined
    ? ` in ${lo}..${hi}${unit}`
    : lo !== undefined
      ? ` ≥ ${lo}${unit}`
      : hi !== undefined
        ? ` ≤ ${hi}${unit}`
        : '';
const finite = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** What a number schema takes: finite, within its bounds; an integer schema, a safe integer. */
function numberText(iss: RawIssue): string {
  const b = boundsOf(iss);
  const int = b.isInt === true || (iss as { expected?: string }).expected === 'int';
  if (!int) return `a finite number${range(finite(b.minValue), finite(b.maxValue))}`;
  const lo = typeof b.minValue === 'number' && b.minValue > Number.MIN_SAFE_INTEGER ? b.minValue : undefined;
  const hi = typeof b.maxValue === 'number' && b.maxValue < Number.MAX_SAFE_INTEGER ? b.maxValue : undefined;
  if (lo === undefined && hi === undefined) return 'an integer (|n| below 2^53)';
  return `an integer${range(lo, hi)}${hi === undefined ? ' (below 2^53)' : ''}`;
}

function stringText(iss: RawIssue): string {
  const b = boundsOf(iss);
  return `a string${range(b.minLength ?? undefined, b.maxLength ?? undefined, ' characters long')}`;
}

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  tuple: 'an array',
  null: 'null',
};

/** An array's length rule: a tuple's, or the array's bounds. */
function lengthText(iss: RawIssue & { minimum?: unknown; maximum?: unknown; exact?: boolean }): string {
  const def = iss.schema?._zod.def as { type?: string; items?: unknown[]; rest?: unknown } | undefined;
  if (def?.type === 'tuple' && !def.rest) return `exactly ${def.items?.length} items`;
  if (iss.exact) return `exactly ${Number(iss.minimum ?? iss.maximum)} items`;
  return iss.code === 'too_big' ? `at most ${Number(iss.maximum)} items` : `at least ${Number(iss.minimum)} items`;
}

/** zod's error map for the contract: each issue in words, with the value that broke it. */
function describeIssue(iss: RawIssue): string | undefined {
  const got = `got ${show(iss.input)}`;
  switch (iss.code) {
    case 'invalid_type': {
      const expected = String(iss.expected);
      if (expected === 'number' || expected === 'int') return `expected ${numberText(iss)}, ${got}`;
      if (expected === 'string') return `expected ${stringText(iss)}, ${got}`;
      return `expected ${TYPE_WORDS[expected] ?? expected}, ${got}`;
    }
    case 'too_small':
    case 'too_big':
      if (iss.origin === 'number' || iss.origin === 'int') return `expected ${numberText(iss)}, ${got}`;
      if (iss.origin === 'string') return `expected ${stringText(iss)}, ${got}`;
      if (iss.origin === 'array') return `${lengthText(iss)}, got ${Array.isArray(iss.input) ? iss.input.length : got}`;
      return undefined;
    case 'invalid_value':
      return `expected ${iss.values.map(show).join(' or ')}, ${got}`;
    case 'invalid_key':
      return `is not an allowed key: ${iss.issues.map((i) => i.message).join('; ')}`;
    default:
      return undefined; // zod's own words
  }
}
