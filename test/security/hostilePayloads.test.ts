// Hostile payloads over real HTTP (server, dispatcher, store, database): a sweep of odd values in every field of
// every method found one class of 500s — person ids that are names of built-in object properties (`__proto__`,
// `constructor`, `toString`, …). Looked up in a plain object they "exist" already: an update answered 500 "p.joints
// is not iterable", an add 409/422 "person constructor already exists", and `__proto__` as a key would set an
// object's prototype instead of storing a person (zod's record schema skips that key unchecked). Such ids are
// refused — by the contract (400), `__proto__` by the store's diff checks (422) —, each with its path, on every
// section of a diff and at any revision, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/startServer.ts';
import { makeAttackProject, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import { send } from '../support/rawHttp.ts';

const TOKEN = 'hostile-payload-token-0123456789ab';
let p: AttackProject, server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  p = await makeAttackProject();
  server = await startServer({ service: p.project.service, root: p.root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  p?.close();
});

const post = (method: string, body: string) =>
  send(server.port, 'POST', `/api/${method}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body,
  });

describe('person ids that are built-in property names', () => {
  it('are refused (400/422, with the path) in every section of a diff, current or stale', async () => {
    const joints = Array.from({ length: 17 }, (_, i) => (i === 0 ? { x: 5, y: 5, v: 2, source: 'human' } : null));
    const person = (id: string) => JSON.stringify({ id, joints, crowd: false });
    // Revision 1: one ordinary person, so that revision 0 is stale.
    const first = await post(
      'applyEdit',
      JSON.stringify({
        imageId: p.imageId,
        revision: 0,
        label: 'add',
        diff: { added: { p1: JSON.parse(person('p1')) }, updated: {}, removed: {} },
      }),
    );
    expect(first.status).toBe(200);
    const before = projectSnapshot(p);
    for (const id of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'])
      for (const revision of [0, 1]) {
        const sections = {
          added: `"added":{"${id}":${person(id)}},"updated":{},"removed":{}`,
          updated: `"added":{},"updated":{"${id}":[${person(id)},${person(id)}]},"removed":{}`,
          removed: `"added":{},"updated":{},"removed":{"${id}":${person(id)}}`,
          order: `"added":{},"updated":{},"removed":{},"order":[["p1"],["p1","${id}"]]`,
        };
        for (const [section, diff] of Object.entries(sections)) {
          // Written as text: JSON.stringify of a JS object would drop a "__proto__" key.
          const r = await post(
            'applyEdit',
            `{"imageId":${p.imageId},"revision":${revision},"label":"x","diff":{${diff}}}`,
          );
          // 400 from the contract; 422 from the store for `__proto__`, a key zod skips without checking it
          const refusal = id === '__proto__' && section !== 'order' ? [422, 'unprocessable'] : [400, 'bad_request'];
          expect([r.status, r.json?.code], `${id} in ${section} at revision ${revision}`).toEqual(refusal);
          expect(r.json?.error).toMatch(/built-in object property/);
        }
      }
    expect(projectSnapshot(p)).toBe(before);
  });
});
