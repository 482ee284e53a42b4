"""The prepared GPU command (scripts/deviceRun.sh) on the CPU with a one-step budget: what it leaves under $OUT is
what the device tool brings back, so it must fit the tool's limits or the trained model is lost on the way."""
import os
import re
import subprocess
import sys

import torch

from training.tests.test_mix_and_recover import carry_folder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The device tool's limits on files back from $OUT (its documentation, "Limits"): at most 8 files of
# 16 MiB each, 64 MiB together, no more than 2 folders down, named in letters, digits, '.', '_' and '-'.
MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES, MAX_FOLDERS_DOWN = 8, 16 * 2 ** 20, 64 * 2 ** 20, 2
NAME = re.compile(r'^[A-Za-z0-9._-]+$')


def test_what_the_device_run_leaves_under_out_all_comes_back(tmp_path):
    out = tmp_path / 'OUT'
    env = {**os.environ, 'QUICK': '1', 'PY': sys.executable, 'OUT': str(out), 'CARRY': carry_folder(tmp_path)}
    r = subprocess.run(['bash', 'scripts/deviceRun.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    files = [os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs]
    assert len(files) <= MAX_FILES, sorted(files)
    for rel in files:
        parts = rel.split(os.sep)
        assert len(parts) - 1 <= MAX_FOLDERS_DOWN and all(NAME.match(p) for p in parts), rel
        assert os.path.getsize(out / rel) <= MAX_FILE_BYTES, (rel, os.path.getsize(out / rel))
    assert sum(os.path.getsize(out / rel) for rel in files) <= MAX_TOTAL_BYTES
    assert {'gpu-run/model.onnx', 'gpu-run/model.card.json', 'gpu-run/weights.pth', 'run.log'} <= set(files)
    assert 'gpu_run exit 0' in (out / 'run.log').read_text()


def test_the_weights_that_come_back_continue_training(tmp_path):
    """weights.pth is float16 (the bundled size in float32 is over 16 MiB): training.train --init takes it."""
    from training.gpu_run import main as gpu_main
    from training.train import main as train_main
    out = str(tmp_path / 'out')
    assert gpu_main(['--carry', carry_folder(tmp_path), '--out', out, '--input-size', '128', '--batch', '2',
                     '--max-steps', '1', '--workers', '0']) == 0
    w = torch.load(os.path.join(out, 'weights.pth'))['weights']
    assert {v.dtype for v in w.values() if v.is_floating_point()} == {torch.float16}
    mix = os.path.join(tmp_path, 'carry', 'mix.json')
    assert train_main(['--mix', mix, '--config', 'tiny', '--init', os.path.join(out, 'weights.pth'), '--input-size', '128',
                       '--batch', '2', '--max-steps', '1', '--out', str(tmp_path / 'again')]) == 0
