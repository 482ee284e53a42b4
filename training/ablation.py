"""python3 -m training.ablation [--train DIR] [--heldout DIR] [--steps 500] [--seeds 0,1] [--out .tmp/ablation]

The paper's loss ablation in miniature: focal L2 (γ = 1, the official code's form; --gamma 2 the paper's) against
plain L2 at an equal budget of optimiser steps, with the same batch, data order, augmentation stream, input size and
initial weights (from scratch with each seed, or --init), for each seed, one run after another at low priority.
Then, for each trained model: both losses on fixed crops (no augmentation) of training and of held-out images, and
its accuracy on the held-out set through the app's pipeline (bench/modelAccuracy.ts = npm run bench:model, single
scale + flip, at the box size written in its card). Prints the table and writes OUT/ablation.json; a finished run
with the same settings is kept, not trained again (delete its folder to redo it). npm run bench:ablation runs this.
"""
import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

import torch

from .data import MAIN_PERSON_CROP_FRACTION, CocoPoseDataset, DatasetError
from .imhn.model import PoseNet, strip_prefix
from .train import CONFIGS
from .validation import ValidationSet

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNTH_COMMANDS = {'train': 'npx simplepose synth --out {} --count 6000 --seed 1',
                  'heldout': 'npx simplepose synth --out {} --count 300 --seed 901'}


class AblationError(RuntimeError):
    pass


def parse(argv):
    p = argparse.ArgumentParser(prog='python3 -m training.ablation', description=__doc__.split('\n\n')[1])
    p.add_argument('--train', default='data/synth-s1', help='training set: a `simplepose synth` folder (annotations.json + images/)')
    p.add_argument('--heldout', default='data/heldout-s901', help='held-out set, the same layout (a seed never trained on)')
    p.add_argument('--out', default='.tmp/ablation')
    p.add_argument('--steps', type=int, default=500, help='optimiser steps of every run (the equal budget)')
    p.add_argument('--seeds', default='0,1')
    p.add_argument('--losses', default='focal,l2')
    p.add_argument('--gamma', type=int, choices=[1, 2], default=1)
    p.add_argument('--config', choices=sorted(CONFIGS), default='tiny')
    p.add_argument('--input-size', type=int, default=128)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--lr', type=float, default=None, help="training.train's default (Adam 1e-3) when not given")
    p.add_argument('--init', help='start every run from this checkpoint instead of from scratch')
    p.add_argument('--box-size', type=int, default=0, help='inference box; 0: fitted to the input size (box_size_for)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--nice', type=int, default=15, help='run everything at this niceness (0: as is)')
    p.add_argument('--loss-images', type=int, default=64, help='images of each set for the final losses')
    p.add_argument('--bench-limit', type=int, default=None, help='evaluate on the first N held-out images only')
    a = p.parse_args(argv)
    try:
        a.seeds = [int(s) for s in a.seeds.split(',')]
    except ValueError:
        p.error(f'--seeds takes whole numbers separated by commas (got {a.seeds!r})')
    a.losses = a.losses.split(',')
    if not a.losses or any(k not in ('focal', 'l2') for k in a.losses) or len(set(a.losses)) != len(a.losses):
        p.error(f'--losses takes focal and/or l2 once each (got {",".join(a.losses)!r})')
    if a.steps < 1:
        p.error('--steps must be at least 1')
    if a.box_size and not 32 <= a.box_size <= 2600:
        p.error('--box-size must be between 32 and 2600 (the app refuses other cards)')
    return a


def synth_folder(path, kind):
    """(annotations.json, images/) of a `simplepose synth` folder, or an error that says how to make it."""
    ann, images = os.path.join(path, 'annotations.json'), os.path.join(path, 'images')
    if not (os.path.isfile(ann) and os.path.isdir(images)):
        raise AblationError(f'{path} is not a `simplepose synth` folder (annotations.json + images/); make it with: '
                            + SYNTH_COMMANDS[kind].format(path) + f', or pass --{kind} DIR')
    return ann, images


def box_size_for(coco_file, input_size):
    """The inference box (image height at scale 1, rounded to 32 px) at which the training set's median person is as
    tall as the training crops make the main person (MAIN_PERSON_CROP_FRACTION of the crop): the size the app's
    pre-processing should use for a model trained at this input size."""
    try:
        with open(coco_file) as f:
            coco = json.load(f)
        heights = {im['id']: im['height'] for im in coco['images']}
        ratios = [heights[a['image_id']] * MAIN_PERSON_CROP_FRACTION * input_size / a['bbox'][3]
                  for a in coco['annotations']
                  if a.get('num_keypoints', 0) > 0 and not a.get('iscrowd') and a['bbox'][3] > 0 and a['image_id'] in heights]
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise DatasetError(f'{coco_file}: cannot read image heights and person boxes ({e.__class__.__name__}: {e})') from None
    if not ratios:
        raise DatasetError(f'{coco_file}: no labelled person to fit the box size to; pass --box-size')
    return int(min(2600, max(32, 32 * round(statistics.median(ratios) / 32))))


def measured(cmd, stdout_path, stderr_path):
    """Runs cmd in the repository: exit code, and its wall seconds, CPU seconds (it and the children it waited for)
    and mean 1-minute load average while it ran (sampled every 10 s)."""
    before, t0, loads = resource.getrusage(resource.RUSAGE_CHILDREN), time.time(), [os.getloadavg()[0]]
    with open(stdout_path, 'w') as out, open(stderr_path, 'w') as err:
        p = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err)
        while p.poll() is None:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                loads.append(os.getloadavg()[0])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return p.returncode, {'wall_s': round(time.time() - t0, 1), 'cpu_s': round(cpu, 1), 'load_mean': round(statistics.mean(loads), 2)}


def failure_line(path):
    """What a failed command said: its (last) exception line, without the stack, else its last line."""
    with open(path, errors='replace') as f:
        lines = [line.rstrip() for line in f if line.strip()]
    errors = [line for line in lines if re.match(r'^[A-Za-z_.]*(Error|Exception)\b.*?: ', line)]
    return (errors or lines or ['(no output)'])[-1]


def train_command(a, s, seed, loss, run_dir):
    cmd = [sys.executable, '-m', 'training.train', '--coco', s['train'][0], '--images', s['train'][1], '--config', a.config,
           '--input-size', str(a.input_size), '--batch', str(a.batch), '--loss', loss, '--gamma', str(a.gamma),
           '--max-steps', str(a.steps), '--epochs', str(s['epochs']), '--seed', str(seed), '--threads', str(a.threads),
           '--box-size', str(s['box_size']), '--checkpoint-minutes', '1e9', '--out', run_dir]
    return cmd + (['--init', a.init] if a.init else []) + (['--lr', str(a.lr)] if a.lr is not None else [])


def final_losses(run_dir, a, loss_sets):
    """Both losses of the final weights on each fixed set (eval mode), and the run's own running training loss."""
    ck = torch.load(os.path.join(run_dir, 'last.pth'), map_location='cpu')
    net = PoseNet(CONFIGS[a.config])
    net.load_state_dict(strip_prefix(ck['weights']), strict=True)
    out = {'steps': ck['step'], 'train_running_mean': ck['train_loss']}
    for name, vs in loss_sets.items():
        for kind in ('l2', 'focal'):
            out[f'{name}_{kind}'] = vs.loss(net, torch.device('cpu'), kind, a.gamma)
    return out


def bench_model(a, s, run_dir):
    """AP of the run's model on the held-out set through the app's pipeline (bench/modelAccuracy.ts, Node 22)."""
    cmd = [s['node'], 'bench/modelAccuracy.ts', '--model', os.path.join(run_dir, 'model.onnx'), '--coco', s['heldout'][0],
           '--images', s['heldout'][1], '--flip', '--out', os.path.join(run_dir, 'heldout-results.json')]
    cmd += ['--limit', str(a.bench_limit)] if a.bench_limit else []
    out, err = os.path.join(run_dir, 'bench.out'), os.path.join(run_dir, 'bench.err')
    code, cost = measured(cmd, out, err)
    if code:
        raise AblationError(f'bench:model failed on {run_dir}/model.onnx (exit {code}): {failure_line(err)}')
    with open(out) as f:
        lines = f.read().strip().splitlines()
    res = json.loads(lines[-1])
    keep = ('images', 'detections', 'AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'AR50', 'AR75')
    return {'machine': lines[0], **{k: res[k] for k in keep}}, cost


def trained_code(run_dir):
    """The training code's version the run's card records (its commit, '+dirty' with uncommitted changes)."""
    with open(os.path.join(run_dir, 'model.card.json')) as f:
        return json.load(f)['training'].get('code')


def run_one(a, s, seed, loss, loss_sets):
    name = f'{loss}-seed{seed}'
    run_dir, done = os.path.join(a.out, name), os.path.join(a.out, name, 'result.json')
    settings = {**s['settings'], 'loss': loss, 'seed': seed}
    if os.path.exists(done):
        with open(done) as f:
            row = json.load(f)
        if row.get('settings') == settings:
            print(f'{name}: kept from {done}', flush=True)
            return {**row, 'code': row.get('code') or trained_code(run_dir)}
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    print(f'{name}: training {a.steps} steps ...', flush=True)
    code, train_cost = measured(train_command(a, s, seed, loss, run_dir), os.path.join(run_dir, 'train.out'), os.path.join(run_dir, 'train.err'))
    if code:
        raise AblationError(f'training {name} failed (exit {code}): {failure_line(os.path.join(run_dir, "train.err"))}')
    cpu0 = time.process_time()
    losses = {**final_losses(run_dir, a, loss_sets), 'cpu_s': round(time.process_time() - cpu0, 1)}
    accuracy, bench_cost = bench_model(a, s, run_dir)
    row = {'name': name, 'loss': loss, 'gamma': a.gamma if loss == 'focal' else None, 'seed': seed, 'settings': settings,
           'code': trained_code(run_dir),
           'accuracy': accuracy, 'losses': losses, 'training': train_cost, 'evaluation': bench_cost}
    with open(done + '.tmp', 'w') as f:
        json.dump(row, f, indent=1)
    os.replace(done + '.tmp', done)
    print(f'{name}: AP {accuracy["AP"]:.4f}, {train_cost["cpu_s"] / 60:.1f} CPU min', flush=True)
    return row


def prepare(a):
    """Everything checked before the first step: the sets, Node 22, the box size, the epoch count the budget needs."""
    train, heldout = synth_folder(a.train, 'train'), synth_folder(a.heldout, 'heldout')
    node = os.path.join(REPO, 'node_modules', '.bin', 'node')
    if not os.path.exists(node):
        raise AblationError(f'{node} is missing (the Node 22 that runs bench:model): run npm ci first')
    if a.init and not os.path.isfile(a.init):
        raise AblationError(f'--init {a.init}: no such checkpoint file')
    n = len(CocoPoseDataset(*train, input_size=a.input_size))
    box = a.box_size or box_size_for(train[0], a.input_size)
    settings = {'train': os.path.abspath(a.train), 'heldout': os.path.abspath(a.heldout), 'steps': a.steps,
                'config': a.config, 'input_size': a.input_size, 'batch': a.batch, 'lr': a.lr, 'gamma': a.gamma,
                'init': os.path.abspath(a.init) if a.init else 'scratch', 'box_size': box, 'threads': a.threads,
                'loss_images': a.loss_images, 'bench_limit': a.bench_limit}
    return {'train': train, 'heldout': heldout, 'node': node, 'box_size': box, 'train_images': n,
            'epochs': math.ceil(a.steps / math.ceil(n / a.batch)), 'settings': settings}


def summary(rows, losses):
    """Per loss: the mean of each figure over the seeds; per seed: focal − l2 (same seed = same init and data)."""
    fig = lambda r: {'AP': r['accuracy']['AP'], 'AP50': r['accuracy']['AP50'], 'AR': r['accuracy']['AR'],
                     **{k: r['losses'][k] for k in ('train_l2', 'train_focal', 'val_l2', 'val_focal')}}
    means = {k: {f: statistics.mean(fig(r)[f] for r in rows if r['loss'] == k) for f in fig(rows[0])} for k in losses}
    paired = {}
    if set(losses) == {'focal', 'l2'}:
        by = {(r['loss'], r['seed']): fig(r) for r in rows}
        for seed in sorted({r['seed'] for r in rows}):
            paired[seed] = {f: by['focal', seed][f] - by['l2', seed][f] for f in ('AP', 'AP50', 'AR')}
    return means, paired


def score(v, signed=False):
    """An AP/AR figure: 4 decimals, or 2 significant digits below 0.001 (near-zero runs still differ)."""
    return f'{v:+.4f}' if signed and abs(v) >= 1e-3 else f'{v:.4f}' if abs(v) >= 1e-3 or v == 0 else f'{v:+.1e}' if signed else f'{v:.1e}'


def table(rows, means, paired):
    head = ('| loss | seed | steps | AP | AP50 | AR | train L2 | train focal | held-out L2 | held-out focal '
            '| train wall min | train CPU min | load | eval CPU min |')
    lines = [head, '|' + '---|' * head.count(' | ') + '---|']
    for r in rows:
        acc, ls, tr, ev = r['accuracy'], r['losses'], r['training'], r['evaluation']
        label = f'focal L2 (γ = {r["gamma"]})' if r['loss'] == 'focal' else 'plain L2'
        lines.append(f'| {label} | {r["seed"]} | {ls["steps"]} | {score(acc["AP"])} | {score(acc["AP50"])} | {score(acc["AR"])} '
                     f'| {ls["train_l2"]:.3f} | {ls["train_focal"]:.3f} | {ls["val_l2"]:.3f} | {ls["val_focal"]:.3f} '
                     f'| {tr["wall_s"] / 60:.1f} | {tr["cpu_s"] / 60:.1f} | {tr["load_mean"]:.1f} | {ev["cpu_s"] / 60:.1f} |')
    for k, m in means.items():
        lines.append(f'| **{k} mean** | | | {score(m["AP"])} | {score(m["AP50"])} | {score(m["AR"])} | {m["train_l2"]:.3f} '
                     f'| {m["train_focal"]:.3f} | {m["val_l2"]:.3f} | {m["val_focal"]:.3f} | | | | |')
    for seed, d in paired.items():
        lines.append(f'focal − l2, seed {seed}: AP {score(d["AP"], True)}, AP50 {score(d["AP50"], True)}, AR {score(d["AR"], True)}')
    return '\n'.join(lines)


def main(argv=None):
    a = parse(argv)
    try:
        s = prepare(a)
    except (AblationError, DatasetError) as e:
        print(f'ablation: {e}', file=sys.stderr)
        return 3
    if a.nice:
        os.nice(a.nice)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    loss_sets = {'train': ValidationSet(*s['train'], a.input_size, a.loss_images),
                 'val': ValidationSet(*s['heldout'], a.input_size, a.loss_images)}
    print(f'ablation: {len(a.seeds) * len(a.losses)} runs of {a.steps} steps ({a.config}, input {a.input_size}, batch '
          f'{a.batch}, box {s["box_size"]}, {s["train_images"]} training images, init {s["settings"]["init"]})', flush=True)
    rows = []
    try:
        for seed in a.seeds:
            for loss in a.losses:
                rows.append(run_one(a, s, seed, loss, loss_sets))
    except (AblationError, DatasetError, OSError) as e:
        print(f'ablation: {e}', file=sys.stderr)
        return 1
    means, paired = summary(rows, a.losses)
    cost = {k: round(sum(r['training'][k] + r['evaluation'][k] for r in rows)) for k in ('wall_s', 'cpu_s')}
    report = {'settings': s['settings'], 'machine': f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
              f'torch {torch.__version__}', 'code': sorted({r['code'] for r in rows}), 'runs_total': cost, 'runs': rows,
              'means': means, 'paired_focal_minus_l2': paired}
    with open(os.path.join(a.out, 'ablation.json'), 'w') as f:
        json.dump(report, f, indent=1)
    print(table(rows, means, paired))
    print(f'{len(rows)} runs: {cost["cpu_s"] / 60:.1f} CPU min, {cost["wall_s"] / 60:.1f} wall min (training and evaluation); '
          f'{report["machine"]}; training code {", ".join(report["code"])}')
    print(f'written {os.path.join(a.out, "ablation.json")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
