"""Fine-tuning on a project's ground truth (issue 16): split by image, events, checkpoint, cancel, resume, card."""
import json
import os
import signal
import subprocess
import sys

import torch

from training.finetune import main as finetune_main, split_by_image
from training.tests.test_mix_and_recover import make_photo_set

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def two_more_people(tmp_path):
    """make_photo_set's four images (two with a person, two without) plus two more labelled images."""
    ann, imgs = make_photo_set(tmp_path)
    coco = json.load(open(ann))
    import shutil
    for i in (5, 6):
        shutil.copyfile(os.path.join(imgs, '1.png'), os.path.join(imgs, f'{i}.png'))
        coco['images'].append({**coco['images'][0], 'id': i, 'file_name': f'{i}.png'})
        coco['annotations'].append({**coco['annotations'][0], 'id': i, 'image_id': i})
    json.dump(coco, open(ann, 'w'))
    return ann, imgs


def test_split_is_by_file_name_and_keeps_people_on_both_sides(tmp_path):
    ann, _ = two_more_people(tmp_path)
    coco = json.load(open(ann))
    a, b = split_by_image(coco, 0.3), split_by_image(coco, 0.3)
    assert [im['file_name'] for im in a['val']] == [im['file_name'] for im in b['val']]
    labelled = {x['image_id'] for x in coco['annotations']}
    assert any(im['id'] in labelled for im in a['val']) and any(im['id'] in labelled for im in a['train'])
    assert sorted(im['id'] for im in a['train'] + a['val']) == [1, 2, 3, 4, 5, 6]


def test_too_few_reviewed_images_say_so(tmp_path, capsys):
    ann, imgs = make_photo_set(tmp_path)
    coco = json.load(open(ann))
    coco['annotations'] = coco['annotations'][:1]
    json.dump(coco, open(ann, 'w'))
    assert finetune_main(['--coco', ann, '--images', imgs, '--out', str(tmp_path / 'o'), '--max-steps', '1', '--progress-json']) == 3
    out = capsys.readouterr()
    assert 'need at least 2 reviewed images with labelled people' in out.err
    assert json.loads(out.out.strip().splitlines()[-1])['event'] == 'failed'


def test_finetune_events_card_and_resume(tmp_path, capsys):
    ann, imgs = two_more_people(tmp_path)
    out = str(tmp_path / 'ft')
    args = ['--coco', ann, '--images', imgs, '--out', out, '--input-size', '128', '--batch', '2', '--progress-json']
    assert finetune_main(args + ['--max-steps', '2']) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    kinds = [e['event'] for e in events]
    assert kinds[0] == 'start' and kinds[-2:] == ['exported', 'done'] and 'checkpoint' in kinds and 'val' in kinds
    card = json.load(open(os.path.join(out, 'run', 'model.card.json')))
    ds = card['training']['dataset']
    assert ds['train']['images'] + ds['val']['images'] == 6 and ds['val']['persons'] >= 1
    assert card['training']['validation']['loss'] > 0 and card['training']['code']
    assert finetune_main(args + ['--max-steps', '3', '--resume']) == 0
    assert torch.load(os.path.join(out, 'run', 'last.pth'))['step'] == 3


def test_resume_at_the_step_limit_trains_no_extra_step(tmp_path, capsys):
    ann, imgs = two_more_people(tmp_path)
    out = str(tmp_path / 'ft')
    args = ['--coco', ann, '--images', imgs, '--out', out, '--input-size', '128', '--batch', '2', '--progress-json',
            '--max-steps', '2']
    assert finetune_main(args) == 0
    last = os.path.join(out, 'run', 'last.pth')
    before = torch.load(last)
    capsys.readouterr()
    assert finetune_main(args + ['--resume']) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [e['event'] for e in events if e['event'] == 'progress'] == []
    after = torch.load(last)
    assert after['step'] == 2
    assert all(torch.equal(before['weights'][k], after['weights'][k]) for k in before['weights'])
    card = json.load(open(os.path.join(out, 'run', 'model.card.json')))
    assert card['training']['steps'] == 2


def test_cancel_keeps_a_checkpoint_that_resumes(tmp_path):
    ann, imgs = two_more_people(tmp_path)
    out = str(tmp_path / 'ft')
    cmd = [sys.executable, '-m', 'training.finetune', '--coco', ann, '--images', imgs, '--out', out, '--input-size',
           '128', '--batch', '2', '--max-steps', '100000', '--progress-json', '--threads', '1']
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stdout:
        if json.loads(line)['event'] == 'progress':
            break
    p.send_signal(signal.SIGTERM)
    rest = [json.loads(line) for line in p.stdout]
    err = p.stderr.read()
    assert p.wait(timeout=60) == 130, err[-2000:]
    assert rest[-1]['event'] == 'cancelled'
    step = torch.load(os.path.join(out, 'run', 'last.pth'))['step']
    assert step >= 1  # progress comes every step with --progress-json
    assert finetune_main(['--coco', ann, '--images', imgs, '--out', out, '--input-size', '128', '--batch', '2',
                          '--max-steps', str(step + 1), '--resume']) == 0
    assert torch.load(os.path.join(out, 'run', 'last.pth'))['step'] == step + 1


def test_split_depends_on_the_seed_only(tmp_path):
    ann, _ = two_more_people(tmp_path)
    coco = json.load(open(ann))
    sides = {seed: tuple(sorted(im['file_name'] for im in split_by_image(coco, 0.5, seed)['val'])) for seed in range(8)}
    assert sides[3] == tuple(sorted(im['file_name'] for im in split_by_image(coco, 0.5, 3)['val']))
    assert len(set(sides.values())) > 1  # another seed draws another split


def test_config_auto_reads_the_init_models_card_and_val_onnx_is_a_loadable_snapshot(tmp_path, capsys):
    ann, imgs = two_more_people(tmp_path)
    out = str(tmp_path / 'ft')
    tiny = os.path.join(ROOT, 'test', 'fixtures', 'model', 'tiny.onnx')
    args = ['--coco', ann, '--images', imgs, '--out', out, '--input-size', '128', '--batch', '2', '--progress-json',
            '--init', tiny, '--config', 'auto', '--max-steps', '2', '--val-every', '1', '--val-onnx']
    assert finetune_main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    vals = [e for e in events if e['event'] == 'val']
    assert vals and all(os.path.exists(e['onnx']) for e in vals)
    card = json.load(open(os.path.join(out, 'run', 'val.card.json')))
    assert card['architecture']['inp_dim'] == 32  # the fixture's size ('micro'), read from its card
    assert [e['step_loss'] > 0 for e in events if e['event'] == 'progress'] == [True, True]


def test_config_auto_without_a_card_says_so(tmp_path, capsys):
    ann, imgs = two_more_people(tmp_path)
    bare = tmp_path / 'bare.onnx'
    bare.write_bytes(b'x')
    assert finetune_main(['--coco', ann, '--images', imgs, '--out', str(tmp_path / 'o'), '--init', str(bare),
                          '--config', 'auto', '--max-steps', '1']) == 3
    assert "cannot read the model's architecture" in capsys.readouterr().err
