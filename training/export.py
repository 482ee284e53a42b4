"""python3 -m training.export CHECKPOINT --out model.onnx [--fp16] [--opset 17]

Writes the IMHN inference graph (last stack, stride-4 output) as ONNX with dynamic batch/height/width and a model card
JSON beside it (<out without .onnx>.card.json). Input: NHWC float32 BGR in [0, 1], as the official code feeds it.
--fp16 stores the weights as float16 (half the file) with Cast nodes, so computation and I/O stay float32.
"""
import argparse
import datetime
import hashlib
import json
import os
import sys

import torch

from .imhn.model import CheckpointError, InferenceWrapper, count_parameters, load_checkpoint
from .imhn.skeleton import card_skeleton

CARD_FORMAT = 'simplepose-model-card/1'


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def export_onnx(net, out_path, opset=17):
    wrapper = InferenceWrapper(net).eval()
    dummy = torch.rand(1, 128, 128, 3)
    with torch.no_grad():
        torch.onnx.export(
            wrapper, dummy, out_path, opset_version=opset, do_constant_folding=True,
            input_names=['image'], output_names=['maps'],
            dynamic_axes={'image': {0: 'batch', 1: 'height', 2: 'width'}, 'maps': {0: 'batch', 2: 'map_height', 3: 'map_width'}},
        )


def to_fp16_weights(onnx_path):
    """Stores float32 initializers with ≥ 16 elements as float16, each read through a Cast back to float32."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    model = onnx.load(onnx_path)
    g = model.graph
    casts = []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < 16:
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(arr.astype(np.float16), name + '__fp16'))
        casts.append(helper.make_node('Cast', [name + '__fp16'], [name], to=TensorProto.FLOAT, name=name + '__cast'))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, onnx_path)


def write_card(onnx_path, net, config, source, fp16, opset):
    card = {
        'format': CARD_FORMAT,
        'name': os.path.splitext(os.path.basename(onnx_path))[0],
        'architecture': {'family': 'IMHN (Simple Pose, AAAI 2020)', **config.to_dict(), 'parameters': count_parameters(net)},
        'input': {
            'name': 'image', 'layout': 'NHWC', 'dtype': 'float32', 'channel_order': 'BGR', 'value_range': [0, 1],
            'normalization': 'pixel / 255, no mean/std', 'pad_multiple': 64, 'pad_value': 128, 'pad_side': 'right-bottom',
            'box_size': 512, 'resize': 'cv2.resize INTER_CUBIC on uint8, height = box_size·scale',
        },
        'output': {
            'name': 'maps', 'layout': 'NCHW', 'dtype': 'float32', 'channels': config.oup_dim, 'stride': 4,
            'channel_layout': {'body_parts': [0, 29], 'keypoints': [30, 47], 'person_mask': 48, 'keypoint_max': 49},
        },
        'skeleton': card_skeleton(),
        'weights': 'fp16' if fp16 else 'fp32',
        'onnx_opset': opset,
        'source': {'checkpoint': os.path.basename(source), 'sha256': sha256_of(source)},
        'exporter': {'torch': torch.__version__, 'created': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')},
    }
    card_path = os.path.splitext(onnx_path)[0] + '.card.json'
    tmp = card_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(card, f, indent=1)
    os.replace(tmp, card_path)
    return card_path


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.export', description=__doc__.split('\n\n')[1])
    p.add_argument('checkpoint')
    p.add_argument('--out', required=True)
    p.add_argument('--fp16', action='store_true', help='store weights as float16 (compute stays float32)')
    p.add_argument('--opset', type=int, default=17)
    p.add_argument('--progress-json', action='store_true',
                   help='one JSON object per line on stdout (events: loading, loaded, exporting, exported, done, failed)')
    a = p.parse_args(argv)
    if a.opset < 13:
        p.error('--opset must be ≥ 13')

    def event(kind, **fields):
        if a.progress_json:
            print(json.dumps({'event': kind, **fields}), flush=True)

    event('loading', checkpoint=a.checkpoint)
    try:
        net, config, _ = load_checkpoint(a.checkpoint)
    except (CheckpointError, FileNotFoundError) as e:
        print(f'export: {e}', file=sys.stderr)
        event('failed', message=str(e))
        return 3
    net.eval()
    event('loaded', config=config.to_dict(), parameters=count_parameters(net))
    tmp = a.out + '.tmp.onnx'
    event('exporting', onnx=a.out)
    export_onnx(net, tmp, a.opset)
    if a.fp16:
        to_fp16_weights(tmp)
    os.replace(tmp, a.out)
    event('exported', onnx=a.out)
    card = write_card(a.out, net, config, a.checkpoint, a.fp16, a.opset)
    summary = {'onnx': a.out, 'card': card, 'config': config.to_dict(), 'parameters': count_parameters(net)}
    if a.progress_json:
        event('done', **summary)
    else:
        print(json.dumps(summary))
    return 0


if __name__ == '__main__':
    sys.exit(main())
