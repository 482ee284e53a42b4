"""python3 -m training.finetune --coco GT.json --images ROOT --out DIR [--init MODEL.onnx|CKPT] [--config tiny]
    [--val-fraction 0.2] [--max-minutes M | --max-steps N] [--resume] [--progress-json]

Fine-tunes a model on a project's established ground truth (the app's export of accepted, "no person" and imported
images): images are split by a hash of their file name into training and validation (held out by image, the same
split every time for the same file names), the paper's focal L2 loss (γ = 1) and augmentation; the training images
without people (reviewed "no person") are negatives. Writes DIR/split.json, DIR/train.json, DIR/val.json,
DIR/mix.json, then trains (training.train: checkpoints, resume, --progress-json events) and exports
DIR/run/model.onnx + card. An ONNX --init is recovered to a trainable checkpoint first (training.recover_onnx).
"""
import argparse
import hashlib
import json
import os
import sys

from . import train
from .data import DatasetError


def split_by_image(coco, val_fraction, seed=0):
    """Deterministic split by seed and file name: for one seed an image always lands on the same side, whatever
    else the file holds (another seed draws another split)."""
    def side(im):
        h = int(hashlib.sha256(f'{seed}:{im["file_name"]}'.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return 'val' if h < val_fraction else 'train'
    with_people = {a['image_id'] for a in coco.get('annotations', []) if a.get('num_keypoints', 0) > 0 and not a.get('iscrowd')}
    parts = {'train': [], 'val': []}
    for im in coco.get('images', []):
        parts[side(im)].append(im)
    # Both sides need labelled people: move the first labelled image over when one side has none.
    for a, b in (('val', 'train'), ('train', 'val')):
        if not any(im['id'] in with_people for im in parts[a]):
            move = next((im for im in parts[b] if im['id'] in with_people), None)
            if move is None or sum(im['id'] in with_people for im in parts[b]) < 2:
                raise DatasetError(f'need at least 2 reviewed images with labelled people to train and validate '
                                   f'(found {len(with_people)}); accept more images first')
            parts[b].remove(move)
            parts[a].append(move)
    return parts


def subset(coco, images):
    ids = {im['id'] for im in images}
    return {**coco, 'images': images, 'annotations': [a for a in coco.get('annotations', []) if a['image_id'] in ids]}


def prepare(coco_path, images_dir, out, val_fraction, seed=0):
    try:
        with open(coco_path, encoding='utf-8-sig') as f:
            coco = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DatasetError(f'{coco_path}: cannot read the ground truth ({e})') from None
    parts = split_by_image(coco, val_fraction, seed)
    os.makedirs(out, exist_ok=True)
    for name, ims in parts.items():
        with open(os.path.join(out, f'{name}.json'), 'w') as f:
            json.dump(subset(coco, ims), f)
    with open(os.path.join(out, 'split.json'), 'w') as f:
        json.dump({k: sorted(im['file_name'] for im in v) for k, v in parts.items()}, f, indent=1)
    train_file = os.path.join(out, 'train.json')
    sources = [{'kind': 'coco', 'coco': train_file, 'images': images_dir, 'weight': 0.85}]
    busy = {a['image_id'] for a in coco.get('annotations', [])}
    if any(im['id'] not in busy for im in parts['train']):
        sources.append({'kind': 'negative', 'backgrounds': [[train_file, images_dir]], 'weight': 0.15})
    n_train = len(parts['train'])
    with open(os.path.join(out, 'mix.json'), 'w') as f:
        json.dump({'epoch_size': max(64, 8 * n_train), 'sources': sources}, f, indent=1)
    return parts


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.finetune', description=__doc__.split('\n\n')[1])
    p.add_argument('--coco', required=True)
    p.add_argument('--images', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--init', help='the model to fine-tune: its ONNX (recovered) or a checkpoint; none: a new model')
    p.add_argument('--config', default='tiny', choices=sorted(train.CONFIGS) + ['auto'],
                   help="the network's size; auto: that of the --init ONNX model's card")
    p.add_argument('--seed', type=int, default=0, help='fixes the validation split, initial weights and data order')
    p.add_argument('--val-every', type=int, default=0)
    p.add_argument('--checkpoint-every', type=int, default=0)
    p.add_argument('--val-onnx', action='store_true')
    p.add_argument('--exit-with-parent', action='store_true')
    p.add_argument('--val-fraction', type=float, default=0.2)
    p.add_argument('--input-size', type=int, default=256)
    p.add_argument('--box-size', type=int, default=512)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--lr', type=float, default=5e-4)
    p.add_argument('--max-minutes', type=float)
    p.add_argument('--max-steps', type=int)
    p.add_argument('--epochs', type=int, default=1000)
    p.add_argument('--checkpoint-minutes', type=float, default=2)
    p.add_argument('--resume', action='store_true')
    p.add_argument('--progress-json', action='store_true')
    p.add_argument('--threads', type=int)
    a = p.parse_args(argv)
    if a.max_minutes is None and a.max_steps is None:
        p.error('give a budget: --max-minutes or --max-steps')
    try:
        a.config = config_of(a.init) if a.config == 'auto' else a.config
        parts = prepare(a.coco, a.images, a.out, a.val_fraction, a.seed)
        init = a.init
        if init and init.endswith('.onnx'):
            init = os.path.join(a.out, 'init.pth')
            if not os.path.exists(init):
                import torch
                from .recover_onnx import calibration_from_coco, recover
                calib = calibration_from_coco(os.path.join(a.out, 'train.json'), a.images, a.input_size, count=16)
                net, _ = recover(a.init, train.CONFIGS[a.config], calib)
                torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}}, init)
    except (DatasetError, OSError, ValueError) as e:
        print(f'finetune: {e}', file=sys.stderr)
        if a.progress_json:
            print(json.dumps({'event': 'failed', 'message': str(e)}), flush=True)
        return 3
    args = ['--mix', os.path.join(a.out, 'mix.json'), '--config', a.config, '--out', os.path.join(a.out, 'run'),
            '--input-size', str(a.input_size), '--box-size', str(a.box_size), '--batch', str(a.batch), '--lr', str(a.lr),
            '--loss', 'focal', '--gamma', '1', '--epochs', str(a.epochs), '--checkpoint-minutes', str(a.checkpoint_minutes),
            '--val-coco', os.path.join(a.out, 'val.json'), '--val-images', a.images]
    args += ['--seed', str(a.seed), '--val-every', str(a.val_every), '--checkpoint-every', str(a.checkpoint_every)]
    for flag, v in (('--init', init), ('--max-minutes', a.max_minutes), ('--max-steps', a.max_steps), ('--threads', a.threads)):
        if v is not None:
            args += [flag, str(v)]
    for flag, on in (('--resume', a.resume), ('--progress-json', a.progress_json), ('--val-onnx', a.val_onnx),
                     ('--exit-with-parent', a.exit_with_parent)):
        if on:
            args.append(flag)
    code = train.main(args)
    if code == 0:
        record_dataset(os.path.join(a.out, 'run', 'model.card.json'), a.coco, parts)
    return code


def config_of(init):
    """The training configuration named like the --init ONNX model's architecture (its card)."""
    if not init or not init.endswith('.onnx'):
        raise ValueError('--config auto needs an --init ONNX model with its card')
    card_path = os.path.splitext(init)[0] + '.card.json'
    try:
        with open(card_path) as f:
            arch = json.load(f)['architecture']
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f'{card_path}: cannot read the model\'s architecture ({e})') from None
    for name, cfg in train.CONFIGS.items():
        if all(arch.get(k) == v for k, v in cfg.to_dict().items()):
            return name
    raise ValueError(f'{os.path.basename(init)}: its architecture {arch} is none of the trainable sizes '
                     f'({", ".join(sorted(train.CONFIGS))})')


def record_dataset(card_path, coco_path, parts):
    """The card names the data: which images trained and validated the model and how many people they hold."""
    with open(card_path) as f:
        card = json.load(f)
    with open(coco_path, encoding='utf-8-sig') as f:
        anns = json.load(f).get('annotations', [])
    def persons(ims):
        ids = {im['id'] for im in ims}
        return sum(1 for x in anns if x['image_id'] in ids and x.get('num_keypoints', 0) > 0)
    card['training']['dataset'] = {
        'source': os.path.basename(coco_path),
        'train': {'images': len(parts['train']), 'persons': persons(parts['train']),
                  'file_names': sorted(im['file_name'] for im in parts['train'])},
        'val': {'images': len(parts['val']), 'persons': persons(parts['val']),
                'file_names': sorted(im['file_name'] for im in parts['val'])},
    }
    tmp = card_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(card, f, indent=1)
    os.replace(tmp, card_path)


if __name__ == '__main__':
    sys.exit(main())
