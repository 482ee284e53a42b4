"""python3 -m training.gpu_carry --out .tmp/gpu-carry [--shared ../shared] [--synth DIR --synth-count N] [--budget-mib M]

Packs what the prepared GPU run (`training.gpu_run`) trains on into one folder small enough to travel with the
working tree to a lent device (≤ 64 MiB per call, tree included): the real training photos of coco-mini train2017
(never val2017, the held-out set), mmpose-tests' COCO images, a subset of a synthetic set, and the mix file with
paths relative to the folder.
"""
import argparse
import json
import os
import shutil
import sys


def _copy_set(ann_file, images_dir, out_dir, name, limit=None):
    with open(ann_file) as f:
        coco = json.load(f)
    images = coco['images'][:limit] if limit else coco['images']
    keep = {im['id'] for im in images}
    os.makedirs(os.path.join(out_dir, name), exist_ok=True)
    for im in images:
        shutil.copyfile(os.path.join(images_dir, im['file_name']), os.path.join(out_dir, name, im['file_name']))
    sub = {**coco, 'images': images, 'annotations': [a for a in coco['annotations'] if a['image_id'] in keep]}
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(sub, f)
    return f'{name}.json', name


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def build(out, shared, synth=None, synth_count=900):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    mini = os.path.join(shared, 'data', 'coco-mini')
    real = _copy_set(os.path.join(mini, 'annotations', 'person_keypoints_train2017.json'), os.path.join(mini, 'train2017'), out, 'train2017')
    mm = os.path.join(shared, 'data', 'mmpose-tests', 'coco')
    extra = _copy_set(os.path.join(mm, 'test_coco.json'), mm, out, 'mmpose') if os.path.exists(mm) else None
    people = [list(real)] + ([list(extra)] if extra else [])
    sources = [{'kind': 'coco', 'coco': real[0], 'images': real[1], 'weight': 0.12}]
    if extra:
        sources.append({'kind': 'coco', 'coco': extra[0], 'images': extra[1], 'weight': 0.03})
    paste = {'kind': 'paste', 'people': people, 'backgrounds': [list(real)], 'weight': 0.35}
    if synth:
        s = _copy_set(os.path.join(synth, 'annotations.json'), os.path.join(synth, 'images'), out, 'synth', synth_count)
        sources.insert(0, {'kind': 'coco', 'coco': s[0], 'images': s[1], 'weight': 0.35})
        paste['synthetic_backgrounds'] = [list(s)]
    sources += [paste, {'kind': 'negative', 'backgrounds': [list(real)], 'weight': 0.15}]
    with open(os.path.join(out, 'mix.json'), 'w') as f:
        json.dump({'epoch_size': 6000, 'sources': sources}, f, indent=1)
    return folder_bytes(out)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.gpu_carry', description=__doc__.split('\n\n')[1])
    p.add_argument('--out', default='.tmp/gpu-carry')
    p.add_argument('--shared', default='../shared')
    p.add_argument('--synth', help='a `simplepose synth` folder (annotations.json + images/)')
    p.add_argument('--synth-count', type=int, default=900)
    p.add_argument('--budget-mib', type=float, default=34, help='what the tree leaves of the 64 MiB a call carries')
    a = p.parse_args(argv)
    size = build(a.out, a.shared, a.synth, a.synth_count)
    print(json.dumps({'out': a.out, 'mib': round(size / 2 ** 20, 1)}))
    if size > a.budget_mib * 2 ** 20:
        print(f'gpu_carry: {size / 2 ** 20:.1f} MiB is over the {a.budget_mib} MiB budget; lower --synth-count', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
