import { z } from 'zod';
import { AnnotationStateSchema, JsonValueSchema, PersonRecordSchema } from '../core/edit/poseRecords.ts';
import { RecordDiffSchema } from '../core/edit/recordDiff.ts';
import { API_ERROR_STATUS } from './apiErrors.ts';
import { DetectSettings, ImageRow, PoseSchema } from './apiPayloads.ts';
import { API_ROUTES, EVENT_CHANNELS, EVENTS_ROUTE, MEDIA_KINDS, MEDIA_SCHEME } from './apiRoutes.ts';
import { POSE_API, POSE_EVENTS } from './poseApi.ts';
import { MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH } from './requestLimits.ts';

type JsonObject = Record<string, unknown>;

/**
 * The API as one JSON Schema document for readers and other tools (docs/api.schema.json, written by
 * `npm run docs:api` and checked by a test to be current): every method's request and response and every event
 * under `$defs` (shared records by name, so a diff refers to PersonRecord), and under `x-simplepose` where each one
 * travels (HTTP route, IPC channel), the error codes with their HTTP status, and the request limits. Generated
 * from the contract's zod schemas by zod's toJSONSchema: nothing in it is written by hand.
 */
export function apiJsonSchema(): JsonObject {
  const registry = z.registry<{ id: string }>();
  const shared: [string, z.ZodType][] = [
    ['JsonValue', JsonValueSchema],
    ['PersonRecord', PersonRecordSchema],
    ['AnnotationState', AnnotationStateSchema],
    ['RecordDiff', RecordDiffSchema],
    ['ImageRow', ImageRow],
    ['Pose', PoseSchema],
    ['DetectSettings', DetectSettings],
  ];
  for (const [id, schema] of shared) registry.add(schema, { id });
  for (const [m, s] of Object.entries(POSE_API)) {
    registry.add(s.request, { id: `${m}.request` });
    registry.add(s.response, { id: `${m}.response` });
  }
  for (const [e, s] of Object.entries(POSE_EVENTS)) registry.add(s, { id: `event.${e}` });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: (id) => `#/$defs/${id}` });
  const defs: JsonObject = {};
  for (const [id, s] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s as JsonObject;
    defs[id] = rest;
  }
  const ref = (id: string) => `#/$defs/${id}`;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'SimplePose Studio API',
    description:
      'Generated from src/contract by `npm run docs:api` (zod toJSONSchema); do not edit. Each method is a POST of ' +
      'its request as JSON to its route (web mode, `Authorization: Bearer <token>`) or an invoke of its channel ' +
      '(Electron); a failure is `{ error, code, details? }` with the code’s HTTP status.',
    'x-simplepose': {
      methods: Object.fromEntries(
        Object.keys(POSE_API).map((m) => [
          m,
          { ...API_ROUTES[m as keyof typeof API_ROUTES], request: ref(`${m}.request`), response: ref(`${m}.response`) },
        ]),
      ),
      events: {
        route: EVENTS_ROUTE,
        ...Object.fromEntries(
          Object.keys(POSE_EVENTS).map((e) => [
            e,
            { channel: EVENT_CHANNELS[e as keyof typeof EVENT_CHANNELS], payload: ref(`event.${e}`) },
          ]),
        ),
      },
      media: { routes: MEDIA_KINDS.map((k) => `/${k}/<imageId>`), electronScheme: `${MEDIA_SCHEME}://project/` },
      errors: API_ERROR_STATUS,
      limits: { maxRequestBytes: MAX_REQUEST_BYTES, maxRequestDepth: MAX_REQUEST_DEPTH },
    },
    $defs: defs,
  };
}

/** The document as written to docs/api.schema.json. */
export const apiJsonSchemaText = (): string => `${JSON.stringify(apiJsonSchema(), null, 2)}\n`;
