import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from './writeFileAtomic.ts';

/** The id of a process that has exited (so no process has it, short of reuse). */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
}

describe('writeFileAtomic: stale temporary files', () => {
  it("removes this app's temporary files of dead processes and day-old ones, keeps live writers' and others' files", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-atomic-'));
    const now = Date.now();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    const files = {
      dead: `.out.json.${deadPid()}.${now - 5000}.tmp`,
      deadOtherTarget: `.results.json.${deadPid()}.${now - 60_000}.tmp`,
      unprefixed: `out.json.${deadPid()}.${now - 5000}.tmp`,
      liveOther: `.out.json.${live.pid}.${now - 5000}.tmp`,
      ours: `.out.json.${process.pid}.${now - 100}.tmp`,
      dayOld: `.out.json.${live.pid}.${now - 25 * 3600_000}.tmp`,
      notOurs: '.notes.tmp',
      userFile: 'holiday.2019.tmp',
    };
    for (const f of Object.values(files)) writeFileSync(path.join(dir, f), 'x');
    await writeFileAtomic(path.join(dir, 'out.json'), '{"ok": true}');
    live.kill();
    expect(readdirSync(dir).sort()).toEqual(
      [files.liveOther, files.ours, files.notOurs, files.userFile, 'out.json'].sort(),
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8'))).toEqual({ ok: true });
  });
  it("never removes a user's file that only looks like one (date-stamped names, timestamps no write of this app has)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-atomic-'));
    const dead = deadPid();
    const userFiles = [
      'notes.1.202405061230.tmp', // a YYYYMMDDhhmm stamp: read as 1976 in ms, so "a day old"
      `scan.${dead}.20240506123045.tmp`, // YYYYMMDDhhmmss: 14 digits
      `.draft.${dead}.9999999999999.tmp`, // 13 digits, but the year 2286
      `.old.${dead}.0000000000001.tmp`, // 1970
    ];
    for (const f of userFiles) writeFileSync(path.join(dir, f), "the user's data");
    await writeFileAtomic(path.join(dir, 'out.json'), '{}');
    expect(readdirSync(dir).sort()).toEqual([...userFiles, 'out.json'].sort());
  });
  it('sweep: false leaves them (bulk writers sweep once), removeStaleTempFiles sweeps on demand', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-atomic-'));
    const stale = `.a.npy.${deadPid()}.${Date.now()}.tmp`;
    writeFileSync(path.join(dir, stale), 'x');
    await writeFileAtomic(path.join(dir, 'b.npy'), 'y', { sweep: false });
    expect(readdirSync(dir)).toContain(stale);
    expect(await removeStaleTempFiles(dir)).toEqual([stale]);
    expect(await removeStaleTempFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('writeFileAtomic: writers of one file at once', () => {
  it('concurrent writes of one file in one process each succeed, each through a temporary file of its own', async () => {
    // The inference worker stores two images' maps at once; two identical photos have one map cache key, so the
    // same files: with the temporary file named by pid and millisecond, the second write's rename found it gone
    // ("not stored (… the folder does not exist)") or wrote into the first one's file.
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-atomic-concurrent-'));
    const file = path.join(dir, 'maps.p0.npy');
    const contents = Array.from({ length: 8 }, (_, i) => Buffer.alloc(512 * 1024, i));
    await Promise.all(contents.map((c) => writeFileAtomic(file, c, { sweep: false })));
    const written = readFileSync(file);
    expect(contents.some((c) => c.equals(written))).toBe(true);
    expect(readdirSync(dir)).toEqual(['maps.p0.npy']); // no temporary file left behind
  });
});
