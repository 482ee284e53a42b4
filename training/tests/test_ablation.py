"""The loss-ablation driver (issue 14) end to end on a few generated images: real training runs of one step, the
real bench:model (Node 22, ONNX Runtime) on the exported models, the table, the kept runs, and its refusals."""
import json
import os

import pytest

from training import ablation
from training.tests.test_train import make_set

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the person category (keypoint names, canonical skeleton) as a real COCO file has it
COCO_FILE = os.path.join(ROOT, '..', 'shared', 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json')


def synth_like(tmp_path, name, n):
    """A `simplepose synth`-shaped folder (annotations.json + images/) of n clean images with one person each."""
    root = tmp_path / name
    root.mkdir()
    ann, _ = make_set(root, n=n)
    coco = json.loads(open(ann).read())
    keep = set(range(1, n + 1))
    coco['images'] = [im for im in coco['images'] if im['id'] in keep]
    coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] in keep and a['num_keypoints'] > 0]
    coco['categories'] = json.load(open(COCO_FILE))['categories']
    (root / 'annotations.json').write_text(json.dumps(coco))
    return str(root)


@pytest.fixture
def sets(tmp_path):
    return synth_like(tmp_path, 'train', 3), synth_like(tmp_path, 'heldout', 2)


def args(sets, out):
    return ['--train', sets[0], '--heldout', sets[1], '--out', out, '--steps', '1', '--seeds', '0', '--batch', '2',
            '--nice', '0', '--loss-images', '2']


def test_runs_both_losses_at_equal_steps_then_keeps_them(sets, tmp_path, capsys):
    out = str(tmp_path / 'abl')
    assert ablation.main(args(sets, out)) == 0
    report = json.load(open(os.path.join(out, 'ablation.json')))
    runs = {r['loss']: r for r in report['runs']}
    assert set(runs) == {'focal', 'l2'} and runs['focal']['gamma'] == 1 and runs['l2']['gamma'] is None
    for r in runs.values():
        assert r['losses']['steps'] == 1 and r['accuracy']['images'] == 2
        assert 0 <= r['accuracy']['AP'] <= 1 and r['training']['cpu_s'] > 0 and r['evaluation']['wall_s'] > 0
        assert all(r['losses'][k] > 0 for k in ('train_l2', 'train_focal', 'val_l2', 'val_focal'))
        card = json.load(open(os.path.join(out, r['name'], 'model.card.json')))
        assert card['input']['box_size'] == report['settings']['box_size'] and 'max-steps 1' in card['training']['command']
    assert runs['focal']['settings']['init'] == runs['l2']['settings']['init'] == 'scratch'
    assert report['runs_total']['cpu_s'] > 0 and all(r['code'] for r in runs.values()) and report['code']
    printed = capsys.readouterr().out
    assert 'focal L2 (γ = 1) | 0 | 1 |' in printed and 'plain L2 | 0 | 1 |' in printed and 'focal − l2, seed 0' in printed
    before = os.path.getmtime(os.path.join(out, 'l2-seed0', 'last.pth'))
    assert ablation.main(args(sets, out)) == 0
    assert 'l2-seed0: kept' in capsys.readouterr().out
    assert os.path.getmtime(os.path.join(out, 'l2-seed0', 'last.pth')) == before
    assert ablation.main(args(sets, out) + ['--losses', 'l2', '--steps', '2']) == 0  # other settings: trained again
    assert json.load(open(os.path.join(out, 'l2-seed0', 'result.json')))['losses']['steps'] == 2


def test_box_size_fits_the_median_person_to_the_training_crop(tmp_path):
    ann = tmp_path / 'a.json'
    people = [{'image_id': 1, 'num_keypoints': 5, 'bbox': [0, 0, 10, h]} for h in (50, 100, 400)]
    ann.write_text(json.dumps({'images': [{'id': 1, 'height': 400}], 'annotations': people}))
    # median person 100 px of a 400 px image; the crop puts the main person at 0.45 · 128 = 57.6 px → 230.4 → 224
    assert ablation.box_size_for(str(ann), 128) == 224
    ann.write_text(json.dumps({'images': [{'id': 1, 'height': 400}], 'annotations': []}))
    with pytest.raises(ablation.DatasetError, match='no labelled person'):
        ablation.box_size_for(str(ann), 128)


def test_refuses_missing_sets_and_bad_arguments_with_a_message(sets, tmp_path, capsys):
    missing = str(tmp_path / 'nowhere')
    assert ablation.main(['--train', missing, '--heldout', sets[1], '--out', str(tmp_path / 'o')]) == 3
    err = capsys.readouterr().err
    assert 'is not a `simplepose synth` folder' in err and f'npx simplepose synth --out {missing} --count 6000 --seed 1' in err
    assert 'Traceback' not in err and not os.path.exists(tmp_path / 'o')
    assert ablation.main(args(sets, str(tmp_path / 'o')) + ['--init', str(tmp_path / 'none.pth')]) == 3
    assert 'no such checkpoint file' in capsys.readouterr().err
    (tmp_path / 'train' / 'annotations.json').write_text('{broken')
    assert ablation.main(args(sets, str(tmp_path / 'o'))) == 3
    assert 'cannot read COCO annotations' in capsys.readouterr().err
    for bad in (['--losses', 'focal,huber'], ['--seeds', 'one'], ['--steps', '0'], ['--box-size', '9999']):
        with pytest.raises(SystemExit) as e:
            ablation.main(args(sets, str(tmp_path / 'o')) + bad)
        assert e.value.code == 2


def test_a_failed_command_is_reported_by_its_error_line_not_its_stack(tmp_path):
    node = tmp_path / 'node.err'
    node.write_text('file:///x/cocoJson.ts:9\n  throw new CocoFormatError(what)\n        ^\n\nCocoFormatError: COCO ground truth: '
                    '1 problem\n    at parseCocoGt (file:///x/cocoJson.ts:9:61)\n  violations: [\n  ]\n}\n\nNode.js v22.23.3\n')
    assert ablation.failure_line(str(node)) == 'CocoFormatError: COCO ground truth: 1 problem'
    py = tmp_path / 'py.err'
    py.write_text('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nRuntimeError: out of memory\n')
    assert ablation.failure_line(str(py)) == 'RuntimeError: out of memory'
    plain = tmp_path / 'plain.err'
    plain.write_text('train: data/x.json: no usable image\n')
    assert ablation.failure_line(str(plain)) == 'train: data/x.json: no usable image'
