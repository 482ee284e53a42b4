// A throwaway PostgreSQL cluster for the team tests and benchmarks: Debian's server binaries, a data folder in a
// temp dir, one TCP port on 127.0.0.1, stopped (and the folder removed) by stop(). PostgreSQL refuses to run as root,
// so under root it runs as the `postgres` user through runuser. Never a mock: the tests need the real engine.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PgCluster {
  /** postgresql://… of the cluster's `postgres` database (trust auth on 127.0.0.1: a test cluster only). */
  url: string;
  port: number;
  /**
   * A database of its own for one test (created empty), as a URL; `icuLocale`: with that ICU collation as its
   * default (a production server's en-US, say), instead of the cluster's C.UTF-8.
   */
  createDatabase(name: string, o?: { icuLocale?: string }): Promise<string>;
  stop(): void;
}

/** The folder of initdb/pg_ctl: SIMPLEPOSE_PG_BIN, else the newest /usr/lib/postgresql/N/bin; null when absent. */
export function pgBinDir(): string | null {
  const given = process.env.SIMPLEPOSE_PG_BIN;
  if (given) return existsSync(path.join(given, 'initdb')) ? given : null;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

/** Why a cluster cannot be started here (exactly what is missing), or null. */
export function pgMissing(): string | null {
  const bin = pgBinDir();
  if (!bin)
    return `PostgreSQL server binaries (initdb, pg_ctl) not found in ${process.env.SIMPLEPOSE_PG_BIN ?? '/usr/lib/postgresql/*/bin'}: install them with "apt-get install -y postgresql" (or set SIMPLEPOSE_PG_BIN)`;
  if (process.getuid?.() === 0) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0)
      return 'running as root, and PostgreSQL refuses root: the "postgres" user is missing (apt-get install -y postgresql creates it)';
    if (spawnSync('runuser', ['--help']).error) return 'running as root and runuser (util-linux) is missing';
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a cluster; throws with pgMissing()'s message when it cannot. */
export async function startPgCluster(): Promise<PgCluster> {
  const missing = pgMissing();
  if (missing) throw new Error(missing);
  const bin = pgBinDir()!;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'simplepose-pg-'));
  const data = path.join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const full = path.join(bin, cmd);
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
    return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  };
  if (asRoot) {
    chmodSync(dir, 0o700);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    // A test cluster: no fsync (its data dies with it), enough connections for several workers and pools.
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      `\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\n`,
    );
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const log = existsSync(path.join(dir, 'log')) ? readFileSync(path.join(dir, 'log'), 'utf8').trim() : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL test cluster: ${(err.stderr || err.message).trim()} ${log}`.trim());
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return {
    url,
    port,
    async createDatabase(name, o = {}) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
      if (o.icuLocale !== undefined && !/^[A-Za-z-]+$/.test(o.icuLocale))
        throw new Error(`not a locale: ${o.icuLocale}`);
      const icu = o.icuLocale
        ? ` LOCALE_PROVIDER icu ICU_LOCALE '${o.icuLocale}' LOCALE 'C.UTF-8' TEMPLATE template0`
        : '';
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}${icu}`);
      } finally {
        await c.end();
      }
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
