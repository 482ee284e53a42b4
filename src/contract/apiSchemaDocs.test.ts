import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiJsonSchema, apiJsonSchemaText } from './apiSchemaDocs.ts';
import { API_ERROR_STATUS } from './apiErrors.ts';
import { POSE_API, POSE_EVENTS } from './poseApi.ts';
import { JOINT_COUNT } from '../core/edit/poseRecords.ts';

const FILE = path.join(import.meta.dirname, '..', '..', 'docs', 'api.schema.json');

describe('the API as JSON Schema (docs/api.schema.json)', () => {
  it('is current: generated from the contract (npm run docs:api writes it)', () => {
    expect(readFileSync(FILE, 'utf8'), 'docs/api.schema.json is stale: run `npm run docs:api`').toBe(
      apiJsonSchemaText(),
    );
  });
  it('has every method, event and error code, and the exact joint count of the skeleton meta', () => {
    const doc = apiJsonSchema() as {
      $defs: Record<string, { properties?: Record<string, { minItems?: number; maxItems?: number }> }>;
      'x-simplepose': { methods: Record<string, { route: string; channel: string }>; errors: unknown };
    };
    const x = doc['x-simplepose'];
    expect(Object.keys(x.methods)).toEqual(Object.keys(POSE_API));
    for (const m of Object.keys(POSE_API)) {
      expect(doc.$defs[`${m}.request`], m).toBeDefined();
      expect(doc.$defs[`${m}.response`], m).toBeDefined();
      expect(x.methods[m]).toMatchObject({ route: `/api/${m}`, channel: `pose:${m}` });
    }
    for (const e of Object.keys(POSE_EVENTS)) expect(doc.$defs[`event.${e}`], e).toBeDefined();
    expect(x.errors).toEqual(API_ERROR_STATUS);
    const joints = doc.$defs.PersonRecord.properties?.joints;
    expect([joints?.minItems, joints?.maxItems]).toEqual([JOINT_COUNT, JOINT_COUNT]);
  });
});
