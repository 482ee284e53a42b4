"""Regenerates test/fixtures/targets: random persons and training/targets.py's maps for them, so that the TypeScript
encoder (src/core/codec/encodeTargets.ts) is tested against the Python one.   /usr/bin/python3 -m training.make_targets_fixture"""
import json
import os

import numpy as np

from .targets import encode_targets

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'targets')


def main():
    os.makedirs(HERE, exist_ok=True)
    rng = np.random.default_rng(11)
    cases = []
    for i, (gh, gw, n) in enumerate([(32, 48, 3), (40, 40, 6), (24, 20, 2)]):
        persons = []
        for _ in range(n):
            c = rng.uniform([0, 0], [gw * 4, gh * 4])
            xy = c + rng.normal(0, 25, (18, 2))
            xy[rng.uniform(size=18) < 0.1] += 200  # some joints far outside the grid
            lab = rng.uniform(size=18) > 0.15
            persons.append((xy, lab))
        mask = (rng.uniform(size=(gh, gw)) > 0.3).astype(np.float32)
        maps = encode_targets(persons, gh, gw, mask)
        np.save(os.path.join(HERE, f'case{i}.npy'), maps)
        cases.append({'file': f'case{i}.npy', 'grid': [gh, gw], 'persons': [{'xy': xy.tolist(), 'labelled': lab.tolist()} for xy, lab in persons], 'mask': mask.astype(int).tolist()})
    json.dump({'made_by': 'python3 -m training.make_targets_fixture', 'cases': cases}, open(os.path.join(HERE, 'cases.json'), 'w'))


if __name__ == '__main__':
    main()
