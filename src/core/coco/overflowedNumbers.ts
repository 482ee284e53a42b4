import type { CocoViolation } from './cocoTypes.ts';

/**
 * Numbers that JSON.parse made infinite: a literal beyond ±1.8e308 (`1e400`) anywhere, pass-through fields
 * included. JSON cannot hold Infinity, so the value would be written back as `null` — changed without a word; it is
 * refused with its path instead (a path another rule already reported is not reported twice).
 */
export function overflowedNumbers(json: unknown, out: CocoViolation[]): void {
  const reported = new Set(out.map((v) => v.path));
  // The path is kept as parts and written out only for a number that is not finite: building it for every value
  // (51 per annotation) was most of the check's time on a 100,000-image export.
  const parts: (string | number)[] = [];
  const pathOf = () => {
    let path = '';
    for (const k of parts)
      path +=
        typeof k === 'number'
          ? `[${k}]`
          : /^[A-Za-z_$][\w$]*$/.test(k)
            ? path
              ? `.${k}`
              : k
            : `[${JSON.stringify(k)}]`;
    return path;
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return;
      const path = pathOf();
      if (![...reported].some((r) => path === r || path.startsWith(`${r}[`) || path.startsWith(`${r}.`)))
        out.push({
          path: path || '$',
          message: `is ${v > 0 ? '' : '-'}infinite: a number beyond ±1.8e308 (such as 1e400) cannot be kept in JSON (it would be written back as null); write a finite value`,
          severity: 'error',
        });
    } else if (Array.isArray(v))
      for (let i = 0; i < v.length; i++) {
        parts.push(i);
        walk(v[i]);
        parts.pop();
      }
    else if (isRecord(v))
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        parts.push(k);
        walk(v[k]);
        parts.pop();
      }
  };
  walk(json);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
