// npm run bench:server — 20 concurrent clients on loopback, each sending list requests (page of 200 of a 10,000-image
// project) back to back, for a bounded 8 s and at most 20,000 requests; latency percentiles.
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { createProjectService } from '../src/node/project/projectService.ts';
import { startServer } from '../src/server/startServer.ts';
import { fmt, machineLine } from './benchStats.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sp-server-bench-'));
const root = path.join(dir, 'images');
mkdirSync(root);
const db = openProjectDb(path.join(dir, 'p.sqlite'));
db.transaction(() => {
  const ins = db.prepare(
    'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (?, ?, 1, 640, 480, 0, 0)',
  );
  for (let i = 0; i < 10_000; i++) ins.run(`f${i % 100}/img${i}.jpg`, String(i));
})();
const server = await startServer({ service: createProjectService(db, root), root });
const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
const body = JSON.stringify({ offset: 0, limit: 200 });
const latencies: number[] = [];
const deadline = performance.now() + 8000;
let sent = 0;
const one = () =>
  new Promise<void>((resolve, reject) => {
    const t = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/listImages',
        agent,
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          latencies.push(performance.now() - t);
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (performance.now() < deadline && sent < 20_000) {
      sent++;
      await one();
    }
  }),
);
agent.destroy();
await server.close();
db.close();
rmSync(dir, { recursive: true, force: true });
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(`machine: ${machineLine()}; 20 clients, keep-alive, loopback`);
console.log(
  JSON.stringify({
    requests: latencies.length,
    p50_ms: Number(fmt(q(0.5), 2)),
    p99_ms: Number(fmt(q(0.99), 2)),
    max_ms: Number(fmt(latencies[latencies.length - 1], 2)),
  }),
);
