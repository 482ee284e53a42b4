"""python3 -m training.train --coco ANN.json --images DIR --config tiny|small|official [--epochs N] [--resume]

Trains an IMHN with the paper's recipe on any COCO keypoints dataset: official augmentation, §5 targets, every stack
supervised at 5 scales with the official weights, focal L2 (γ = 1 code form, --gamma 2 paper form) or plain L2.
Writes OUT/last.pth (official checkpoint format) every epoch and at --max-minutes, a readable log, and at the end
OUT/model.onnx + model card. Uses a GPU (with mixed precision) when there is one, else the CPU.
"""
import argparse
import hashlib
import signal
import subprocess
import json
import math
import os
import platform
import random
import sys
import time

import numpy as np
import torch

from .data import CocoPoseDataset, DatasetError
from .export import export_onnx, write_card
from .imhn.model import ImhnConfig, OFFICIAL_CONFIG, SMALL_CONFIG, PoseNet, count_parameters, strip_prefix
from .loss import pose_loss
from .progress import Progress
from .validation import ValidationSet

CONFIGS = {'official': OFFICIAL_CONFIG, 'small': SMALL_CONFIG, 'tiny': ImhnConfig(nstack=2, inp_dim=64, oup_dim=50, increase=32, depth=4),
           # the test fixture's size (training.make_test_model): trains in seconds, for the app's end-to-end tests
           'micro': ImhnConfig(nstack=2, inp_dim=32, oup_dim=50, increase=16, depth=4)}


def parse(argv):
    p = argparse.ArgumentParser(prog='python3 -m training.train', description=__doc__.split('\n\n')[1])
    p.add_argument('--coco', help='COCO keypoints file (or --mix)')
    p.add_argument('--images', help='image folder of --coco')
    p.add_argument('--mix', help='a training mix JSON (training/mixdata.py: COCO sets, pasted people, negatives)')
    p.add_argument('--init', help='start from these weights (a checkpoint; e.g. training.recover_onnx of a shipped model)')
    p.add_argument('--checkpoint-minutes', type=float, default=10, help='also write OUT/last.pth this often')
    p.add_argument('--config', choices=sorted(CONFIGS), default='small')
    p.add_argument('--out', default='runs/imhn')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--input-size', type=int, default=512, help='square training crop (multiple of 64)')
    p.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam',
                   help='sgd = official (momentum 0.9, wd 5e-4, step decay); adam converges faster on small budgets')
    p.add_argument('--lr', type=float, default=None)
    p.add_argument('--loss', choices=['focal', 'l2'], default='focal')
    p.add_argument('--gamma', type=int, choices=[1, 2], default=1)
    p.add_argument('--resume', action='store_true', help='continue from OUT/last.pth')
    p.add_argument('--max-minutes', type=float, default=None, help='stop (with a checkpoint) after this much training time')
    p.add_argument('--max-steps', type=int, default=None, help='stop (with a checkpoint) after this many optimiser steps (exact reproduction)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--box-size', type=int, default=512, help="the card's inference box (image height at scale 1)")
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--workers', type=int, default=0, help='data worker processes (0: augment in the training process)')
    p.add_argument('--val-coco', help='held-out COCO file: validation loss at every checkpoint and at the end')
    p.add_argument('--val-images', help='image folder of --val-coco')
    p.add_argument('--val-every', type=int, default=0, help='also compute the validation loss every N steps')
    p.add_argument('--progress-json', action='store_true', help='JSON lines on stdout (for the app)')
    p.add_argument('--checkpoint-every', type=int, default=0, help='also write OUT/last.pth every N steps')
    p.add_argument('--val-onnx', action='store_true',
                   help='at each validation also export OUT/val.onnx (the app measures validation AP on it)')
    p.add_argument('--exit-with-parent', action='store_true',
                   help='stop as on a cancel (checkpoint kept) when the process that started this one is gone')
    a = p.parse_args(argv)
    if not a.mix and not (a.coco and a.images):
        p.error('give --coco and --images, or --mix')
    if a.input_size % 64 or a.input_size < 128:
        p.error('--input-size must be a multiple of 64 and at least 128 (the hourglass halves the stride-4 map 4 times)')
    if a.batch < 2:
        p.error('--batch must be at least 2 (BatchNorm needs more than one value per channel)')
    return a


def code_version():
    """The training code's commit (with '+dirty' when training/ has uncommitted changes), else its content hash."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=here, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', '.'], cwd=here, capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            return commit.stdout.strip() + ('+dirty' if dirty.stdout.strip() else '')
    except (OSError, subprocess.SubprocessError):
        pass
    h = hashlib.sha256()
    for name in sorted(n for n in os.listdir(here) if n.endswith('.py')):
        with open(os.path.join(here, name), 'rb') as f:
            h.update(name.encode() + f.read())
    return 'sha256:' + h.hexdigest()[:16]


def save(path, net, opt, state):
    tmp = path + '.tmp'
    torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}, 'optimizer_weight': opt.state_dict(), **state}, tmp)
    os.replace(tmp, path)


def watch_parent(cancelled):
    """A thread that turns the parent's death (the app killed, even by kill -9) into a cancel: the step in flight
    finishes, the checkpoint is written, the process exits, so a restarted app resumes instead of racing it."""
    import threading
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        cancelled.append(True)
    threading.Thread(target=watch, daemon=True).start()


def export_snapshot(net, cfg, out, box_size):
    """The network as it is now, as OUT/val.onnx + card (each written whole, then renamed), for the app to measure
    validation AP on the held-out images with its own pipeline."""
    import copy
    path, tmp = os.path.join(out, 'val.onnx'), os.path.join(out, 'val.tmp.onnx')
    snap = copy.deepcopy(net).eval().cpu()
    export_onnx(snap, tmp)
    last = os.path.join(out, 'last.pth')
    card_tmp = write_card(tmp, snap, cfg, last if os.path.exists(last) else tmp, False, 17)
    card = json.load(open(card_tmp))
    card['input']['box_size'] = box_size
    json.dump(card, open(card_tmp, 'w'), indent=1)
    os.replace(card_tmp, os.path.join(out, 'val.card.json'))
    os.replace(tmp, path)
    return path


def collate(samples):
    imgs, targets, masks = zip(*samples)
    return torch.from_numpy(np.stack(imgs)), torch.from_numpy(np.stack(targets)), torch.from_numpy(np.stack(masks))[:, None]


def _reseed_worker(worker_id):
    """Each DataLoader worker gets its own copy of the dataset: give every sequential `rng` in it its own stream."""
    info = torch.utils.data.get_worker_info()
    base = info.seed % 2 ** 32
    for d in [info.dataset, *getattr(info.dataset, 'sources', [])]:
        for obj in (d, getattr(d, 'ds', None)):
            if obj is not None and isinstance(getattr(obj, 'rng', None), random.Random):
                obj.rng = random.Random(base + worker_id)


def batches(ds, order, batch, first, workers, seed):
    """The epoch's batches from batch index `first` on: in this process, or prepared by `workers` processes ahead of
    the training step (on a GPU box the CPU cores augment while the GPU trains)."""
    index = [order[b * batch:(b + 1) * batch] for b in range(first, math.ceil(len(order) / batch))]
    if not workers:
        for ids in index:
            yield collate([ds[i] for i in ids])
        return
    g = torch.Generator()
    g.manual_seed(seed)
    yield from torch.utils.data.DataLoader(ds, batch_sampler=index, num_workers=workers, collate_fn=collate,
                                           worker_init_fn=_reseed_worker, generator=g, prefetch_factor=4,
                                           pin_memory=torch.cuda.is_available())


def main(argv=None):
    a = parse(argv)
    os.makedirs(a.out, exist_ok=True)
    pr = Progress(a.out, a.progress_json)
    log = lambda _out, line: pr.log(line)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    if a.threads:
        torch.set_num_threads(a.threads)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        if a.mix:
            from .mixdata import MixedPoseDataset
            ds = MixedPoseDataset(a.mix, input_size=a.input_size, seed=a.seed)
        else:
            ds = CocoPoseDataset(a.coco, a.images, input_size=a.input_size, seed=a.seed)
        val = ValidationSet(a.val_coco, a.val_images, a.input_size) if a.val_coco else None
    except DatasetError as e:
        print(f'train: {e}', file=sys.stderr)
        pr.event('failed', message=str(e))
        return 3
    cfg = CONFIGS[a.config]
    net = PoseNet(cfg, init_weights=True).to(device)
    lr = a.lr if a.lr is not None else (1e-3 if a.optimizer == 'adam' else 2.5e-5 * 4)
    opt = torch.optim.Adam(net.parameters(), lr=lr) if a.optimizer == 'adam' else torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    start_epoch, step, spent = 0, 0, 0.0
    last = os.path.join(a.out, 'last.pth')
    if a.init and not (a.resume and os.path.exists(last)):
        ck = torch.load(a.init, map_location=device)
        net.load_state_dict(strip_prefix(ck['weights'] if 'weights' in ck else ck), strict=True)
        log(a.out, f'initialised from {a.init}')
    if a.resume and os.path.exists(last):
        ck = torch.load(last, map_location=device)
        net.load_state_dict(strip_prefix(ck['weights']), strict=True)
        opt.load_state_dict(ck['optimizer_weight'])
        start_epoch, step, spent = ck['epoch'], ck['step'], ck.get('seconds', 0.0)
        log(a.out, f'resumed from {last} at epoch {start_epoch}, step {step}')
    log(a.out, f'data {json.dumps(ds.report())}; config {a.config} {cfg.to_dict()} ({count_parameters(net):,} parameters); '
               f'{device}; input {a.input_size}; batch {a.batch}; {a.optimizer} lr {lr}; loss {a.loss}' + (f' γ={a.gamma}' if a.loss == 'focal' else ''))
    cancelled = []
    for sig in (signal.SIGTERM, signal.SIGINT):  # cancel: finish the step, keep a checkpoint, say so
        signal.signal(sig, lambda *_: cancelled.append(True))
    if a.exit_with_parent:
        watch_parent(cancelled)
    amp = device.type == 'cuda'
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    steps_per_epoch = math.ceil(len(ds) / a.batch)
    total_steps = a.epochs * steps_per_epoch if a.max_steps is None else min(a.max_steps, a.epochs * steps_per_epoch)
    pr.event('start', step=step, steps=total_steps, data=ds.report(), val=val.report if val else None,
             config=cfg.to_dict(), device=str(device))

    def validate():
        if val is not None:
            v = val.loss(net, device, a.loss, a.gamma)
            snapshot = export_snapshot(net, cfg, a.out, a.box_size) if a.val_onnx else None
            pr.event('val', step=step, val_loss=v, **({'onnx': snapshot} if snapshot else {}))
            log(a.out, f'validation loss {v:.5f} at step {step}')
            return v
        return None

    def checkpoint(ep, loss):
        save(last, net, opt, {'epoch': ep, 'step': step, 'train_loss': loss, 'seconds': spent + time.time() - t_start, 'config': cfg.to_dict()})
        pr.event('checkpoint', step=step, path=last, val_loss=validate())
    def limit_reached(elapsed):
        return (a.max_minutes is not None and elapsed >= a.max_minutes * 60) or (a.max_steps is not None and step >= a.max_steps)
    t_start = time.time()
    # a resume at (or past) its limit trains nothing more: the checkpoint is exported as it is
    stop = limit_reached(spent)
    if stop:
        log(a.out, f'step {step} already reaches the limit ({a.max_minutes} min / {a.max_steps} steps): nothing more to train; exporting {last}')
    t_saved = time.time()
    epoch = start_epoch
    skip = step - start_epoch * steps_per_epoch  # a checkpoint taken mid-epoch resumes at its step
    for epoch in range(start_epoch, a.epochs if not stop else start_epoch):
        net.train()
        if hasattr(ds, 'set_epoch'):
            ds.set_epoch(epoch)
        order = list(range(len(ds)))
        random.Random(a.seed + epoch).shuffle(order)
        if a.optimizer == 'sgd':  # official step decay 0.2^⌊epoch/15⌋ after a 3-epoch warm-up
            for g in opt.param_groups:
                g['lr'] = lr * 0.2 ** (epoch // 15) * min(1.0, (epoch + 1) / 3)
        run_loss, done, t_epoch = 0.0, 0, time.time()
        first = skip if epoch == start_epoch else 0
        for b, (imgs, gt, miss) in enumerate(batches(ds, order, a.batch, first, a.workers, a.seed + epoch), first):
            imgs, gt, miss = imgs.to(device, non_blocking=True), gt.to(device, non_blocking=True), miss.to(device, non_blocking=True)
            with torch.autocast(device_type='cuda', enabled=amp):
                preds = net(imgs)
            loss = pose_loss([[p.float() for p in stack] for stack in preds], gt, miss, a.loss, a.gamma)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            step += 1
            run_loss += loss.item()
            done += 1
            elapsed = spent + time.time() - t_start
            readable = step % 25 == 0 or b == steps_per_epoch - 1
            if readable or a.progress_json:  # the app plots every step's loss
                rate = done * a.batch / (time.time() - t_epoch)
                left = ((a.epochs - epoch) * steps_per_epoch - b - 1) * a.batch / max(rate, 1e-9)
                if readable:
                    log(a.out, f'epoch {epoch + 1}/{a.epochs} step {b + 1}/{steps_per_epoch} loss {run_loss / max(done, 1):.5f} {rate:.1f} img/s elapsed {elapsed / 60:.1f} min eta {left / 60:.1f} min')
                eta = (total_steps - step) * a.batch / max(rate, 1e-9)
                if a.max_minutes is not None:
                    eta = min(eta, max(0.0, a.max_minutes * 60 - elapsed))
                pr.event('progress', step=step, steps=total_steps, epoch=epoch + 1, loss=run_loss / max(done, 1), step_loss=loss.item(),
                         images_per_second=rate, elapsed_s=elapsed, eta_s=eta)
            if a.val_every and step % a.val_every == 0:
                validate()
            if time.time() - t_saved >= a.checkpoint_minutes * 60 or (a.checkpoint_every and step % a.checkpoint_every == 0):
                checkpoint(epoch, run_loss / max(done, 1))
                t_saved = time.time()
            if cancelled:
                checkpoint(epoch, run_loss / max(done, 1))
                log(a.out, f'cancelled at step {step}; checkpoint {last} (resume with --resume)')
                pr.event('cancelled', step=step, path=last)
                return 130
            if limit_reached(elapsed):
                stop = True
                break
        checkpoint(epoch + (0 if stop else 1), run_loss / max(done, 1))
        if stop:
            log(a.out, f'stopped at step {step} ({a.max_minutes} min / {a.max_steps} steps limit); checkpoint {last}')
            break
    final_val = val.loss(net, device, a.loss, a.gamma) if val else None
    net.eval().cpu()
    onnx_path = os.path.join(a.out, 'model.onnx')
    export_onnx(net, onnx_path)
    card_path = write_card(onnx_path, net, cfg, last, False, 17)
    card = json.load(open(card_path))
    card['input']['box_size'] = a.box_size
    card['training'] = {'command': 'python3 -m training.train ' + ' '.join(argv if argv is not None else sys.argv[1:]), 'data': ds.report(),
                        'steps': step, 'epochs': epoch + (0 if stop else 1), 'seconds': round(spent + time.time() - t_start),
                        'hardware': f'{device} ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)', 'torch': torch.__version__,
                        'code': code_version(), 'validation': {**val.report, 'loss': final_val} if val else None}
    json.dump(card, open(card_path, 'w'), indent=1)
    log(a.out, f'exported {onnx_path} and {card_path}')
    pr.event('exported', onnx=onnx_path, card=card_path, step=step)
    pr.event('done', step=step)
    return 0


if __name__ == '__main__':
    sys.exit(main())
