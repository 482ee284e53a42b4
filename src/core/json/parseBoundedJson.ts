/**
 * JSON from outside (request bodies, files to import) parsed with a bound on nesting depth and with error messages
 * that say where the text goes wrong, never what it contains: JSON.parse's own messages quote the start of the
 * text (`Unexpected token 'r', "root:x:0:0"... is not valid JSON`), and every validator downstream recurses, so
 * a body nested 100,000 levels deep would overflow the stack there.
 */
export class JsonInputError extends Error {
  override name = 'JsonInputError';
}

/** Depth of the deepest array/object in a request of the API is about 10 (a COCO polygon inside a person). */
export const MAX_JSON_DEPTH = 64;

/** Parses `text`; throws JsonInputError (position as line and column, no content) or for nesting over `maxDepth`. */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  checkNesting(text, maxDepth);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JsonInputError(`not valid JSON (${syntaxErrorPlace(text, (e as Error).message)})`);
  }
}

/** One pass over the text, strings skipped, counting open brackets. */
function checkNesting(text: string, maxDepth: number): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote (an unterminated one is JSON.parse's to report)
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth)
        throw new JsonInputError(`nested deeper than ${maxDepth} levels (at ${lineColumn(text, i)})`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/**
 * Where JSON.parse failed, from V8's message: "… at position N …" when it says so; for "Unexpected token 'x', "…"
 * is not valid JSON" (which quotes the text) the first character that cannot start or continue a JSON value.
 */
function syntaxErrorPlace(text: string, message: string): string {
  const pos = /at position (\d+)/.exec(message);
  if (pos) {
    const what = message.replace(/ (in JSON )?at position.*$/, '').replace(/'.*'|".*"/g, 'character');
    return `${what[0].toLowerCase()}${what.slice(1)} at ${lineColumn(text, Number(pos[1]))}`;
  }
  if (/Unexpected end/.test(message)) return `the text ends early, at ${lineColumn(text, text.length)}`;
  const at = firstBadToken(text);
  return at === null ? 'unexpected character' : `unexpected character at ${lineColumn(text, at)}`;
}

/** The offset of the first token that is not JSON punctuation, a string, a number or true/false/null. */
function firstBadToken(text: string): number | null {
  const token =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold raw U+0000..U+001F: it matches them
    /\s*(?:[[\]{}:,]|"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/y;
  let i = 0;
  while (i < text.length) {
    token.lastIndex = i;
    if (!token.exec(text)) {
      while (i < text.length && /\s/.test(text[i])) i++;
      return i < text.length ? i : null;
    }
    i = token.lastIndex;
  }
  return null;
}

function lineColumn(text: string, offset: number): string {
  let line = 1,
    start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line} column ${offset - start + 1}`;
}
