import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseNpy, NpyFormatError } from '../../core/tensor/parseNpy.ts';
import { DecodeInputError, type DecodeInput } from '../../core/codec/decodeCase.ts';
import { readFailure } from '../fs/readTextFile.ts';
import { parseBoundedJson } from '../../core/json/parseBoundedJson.ts';

export const DECODE_CASE_FORMAT = 'simplepose-decode-case/1';

/** The JSON of a decode case (`case.json`, shared/fixtures/README.md). */
export interface DecodeCaseJson {
  format: string;
  layout?: string;
  image: { id: number; file_name?: string; width: number; height: number };
  passes: { multiplier: number; maps: string; flipped_maps: string | null }[];
}

/** Reads `case.json` and its `.npy` maps into a DecodeInput; every failure names the file and what is wrong. */
export async function readDecodeCase(caseJsonPath: string): Promise<DecodeInput> {
  let text: string;
  try {
    text = await readFile(caseJsonPath, 'utf8');
  } catch (e) {
    throw new DecodeInputError(`cannot read decode case ${caseJsonPath}: ${readFailure(e)}`);
  }
  let json: DecodeCaseJson;
  try {
    json = parseBoundedJson(text) as DecodeCaseJson;
  } catch (e) {
    // parseBoundedJson says where (line, column), never what: JSON.parse's message quotes the file's start.
    throw new DecodeInputError(`${caseJsonPath} is ${(e as Error).message}`);
  }
  checkCaseJson(json, caseJsonPath);
  const dir = path.dirname(caseJsonPath);
  const load = async (name: string) => {
    const file = path.resolve(dir, name);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new DecodeInputError(`${caseJsonPath}: cannot read map file ${file}: ${readFailure(e)}`);
    }
    try {
      return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw new DecodeInputError(`${file}: ${e instanceof NpyFormatError ? e.message : String(e)}`);
    }
  };
  const passes = await Promise.all(
    json.passes.map(async (p) => ({
      multiplier: p.multiplier,
      maps: await load(p.maps),
      flippedMaps: p.flipped_maps ? await load(p.flipped_maps) : null,
    })),
  );
  return { image: { id: json.image.id, width: json.image.width, height: json.image.height }, passes };
}

function checkCaseJson(json: DecodeCaseJson, file: string): void {
  const fail = (msg: string): never => {
    throw new DecodeInputError(`${file}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null) fail('expected a JSON object');
  if (json.format !== DECODE_CASE_FORMAT)
    fail(`format is ${JSON.stringify(json.format)}, expected "${DECODE_CASE_FORMAT}"`);
  const im = json.image;
  if (typeof im !== 'object' || im === null) fail('missing "image"');
  if (!Number.isInteger(im.id)) fail('image.id must be an integer');
  if (!(Number.isInteger(im.width) && im.width > 0 && Number.isInteger(im.height) && im.height > 0))
    fail('image.width and image.height must be positive integers');
  if (!Array.isArray(json.passes) || json.passes.length === 0) fail('"passes" must be a non-empty array');
  json.passes.forEach((p, i) => {
    if (!(typeof p.multiplier === 'number' && p.multiplier > 0))
      fail(`passes[${i}].multiplier must be a positive number`);
    if (typeof p.maps !== 'string') fail(`passes[${i}].maps must be a file name`);
    if (p.flipped_maps !== null && p.flipped_maps !== undefined && typeof p.flipped_maps !== 'string')
      fail(`passes[${i}].flipped_maps must be a file name or null`);
  });
}
