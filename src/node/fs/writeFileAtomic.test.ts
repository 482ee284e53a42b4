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
