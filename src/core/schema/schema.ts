/**
 * A small runtime schema language for API payloads (the contract validates every request, response and event on
 * both transports). Each schema checks a value and reports every problem with its path; `Infer<S>` gives its type.
 */
export interface SchemaIssue {
  path: string;
  message: string;
}

export interface Schema<T> {
  readonly kind: string;
  check(value: unknown, path: string, issues: SchemaIssue[]): value is T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type OptionalKeys<F> = { [K in keyof F]: undefined extends Infer<F[K]> ? K : never }[keyof F];
type Flatten<T> = { [K in keyof T]: T[K] };
/** An object schema's type: fields whose schema allows undefined become optional properties. */
export type ObjectOf<F> = Flatten<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

function make<T>(kind: string, test: (v: unknown) => boolean, expected: string): Schema<T> {
  return {
    kind,
    check: (v, path, issues): v is T => {
      if (test(v)) return true;
      issues.push({ path, message: `expected ${expected}, got ${show(v)}` });
      return false;
    },
  };
}

/** Inclusive bounds of a number or a string's length. */
export interface Bounds {
  min?: number;
  max?: number;
}
const inBounds = (x: number, b: Bounds) => x >= (b.min ?? -Infinity) && x <= (b.max ?? Infinity);
const boundsText = (b: Bounds, unit = '') =>
  b.min !== undefined && b.max !== undefined
    ? ` in ${b.min}..${b.max}${unit}`
    : b.min !== undefined
      ? ` ≥ ${b.min}${unit}`
      : b.max !== undefined
        ? ` ≤ ${b.max}${unit}`
        : '';

export const s = {
  /** A string; `length` bounds its length in UTF-16 code units. */
  string: (length: Bounds = {}): Schema<string> =>
    make(
      'string',
      (v) => typeof v === 'string' && inBounds(v.length, length),
      `a string${boundsText(length, ' characters long')}`,
    ),
  boolean: (): Schema<boolean> => make('boolean', (v) => typeof v === 'boolean', 'true or false'),
  /** A finite number, optionally within inclusive bounds. */
  number: (bounds: Bounds = {}): Schema<number> =>
    make(
      'number',
      (v) => typeof v === 'number' && Number.isFinite(v) && inBounds(v, bounds),
      `a finite number${boundsText(bounds)}`,
    ),
  /** A safe integer (|n| < 2^53: JSON numbers beyond it are not exact), at least `min`. */
  integer: (min = -Infinity): Schema<number> =>
    make(
      'integer',
      (v) => Number.isSafeInteger(v) && (v as number) >= min,
      min > -Infinity ? `an integer ≥ ${min} (below 2^53)` : 'an integer (|n| below 2^53)',
    ),
  literal: <L extends string | number | boolean>(...values: L[]): Schema<L> =>
    make('literal', (v) => values.includes(v as L), values.map(show).join(' or ')),
  nullable: <T>(inner: Schema<T>): Schema<T | null> => ({
    kind: 'nullable',
    check: (v, p, i): v is T | null => v === null || inner.check(v, p, i),
  }),
  optional: <T>(inner: Schema<T>): Schema<T | undefined> => ({
    kind: 'optional',
    check: (v, p, i): v is T | undefined => v === undefined || inner.check(v, p, i),
  }),
  /** An array of at most `maxLength` items. */
  array: <T>(item: Schema<T>, maxLength = Infinity): Schema<T[]> => arrayOf(item, { max: maxLength }),
  /** An array of exactly `length` items (a fixed layout, e.g. one entry per skeleton joint). */
  fixedArray: <T>(item: Schema<T>, length: number): Schema<T[]> => arrayOf(item, { min: length, max: length }),
  record: <T>(value: Schema<T>): Schema<Record<string, T>> => ({
    kind: 'record',
    check: (v, p, issues): v is Record<string, T> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ path: p, message: `expected an object, got ${show(v)}` });
        return false;
      }
      let ok = true;
      for (const [k, x] of Object.entries(v)) ok = value.check(x, `${p}.${k}`, issues) && ok;
      return ok;
    },
  }),
  object: <F extends Record<string, Schema<unknown>>>(fields: F): Schema<ObjectOf<F>> => ({
    kind: 'object',
    check: (v, p, issues): v is ObjectOf<F> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ path: p, message: `expected an object, got ${show(v)}` });
        return false;
      }
      let ok = true;
      for (const [k, f] of Object.entries(fields))
        ok = f.check((v as Record<string, unknown>)[k], `${p}.${k}`, issues) && ok;
      for (const k of Object.keys(v))
        if (!(k in fields)) {
          issues.push({ path: `${p}.${k}`, message: 'unknown field' });
          ok = false;
        }
      return ok;
    },
  }),
  /** Any JSON value (for opaque passthrough data); still refuses functions, undefined and non-finite numbers. */
  json: (): Schema<unknown> =>
    make(
      'json',
      (v) => {
        try {
          return JSON.stringify(v) !== undefined && !/\bNaN\b|Infinity/.test(JSON.stringify(v) ?? '');
        } catch {
          return false;
        }
      },
      'JSON data',
    ),
};

function arrayOf<T>(item: Schema<T>, length: Bounds): Schema<T[]> {
  const expected =
    length.min === length.max && length.min !== undefined
      ? `exactly ${length.min} items`
      : length.max !== undefined && length.max < Infinity
        ? `at most ${length.max} items`
        : `at least ${length.min} items`;
  return {
    kind: 'array',
    check: (v, p, issues): v is T[] => {
      if (!Array.isArray(v)) {
        issues.push({ path: p, message: `expected an array, got ${show(v)}` });
        return false;
      }
      let ok = inBounds(v.length, length);
      if (!ok) issues.push({ path: p, message: `${expected}, got ${v.length}` });
      v.forEach((x, k) => {
        ok = item.check(x, `${p}[${k}]`, issues) && ok;
      });
      return ok;
    },
  };
}

/** Validates `value`; returns the issues (empty when valid). */
export function validate<T>(schema: Schema<T>, value: unknown, root = '$'): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  schema.check(value, root, issues);
  return issues;
}
