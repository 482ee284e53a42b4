"""The official IMHN post-processing (evaluate.py of jialee93/Improved-Body-Parts, df0a8ce), re-implemented line by line
from ../shared/docs/IMHN-REFERENCE.md §2 steps 9-11 and §4 with the same libraries (NumPy, OpenCV, PyTorch for the
NMS), as the baseline of `npm run bench:decode-cold` and `npm run bench:decode-noisy`. The official code itself cannot
be fetched here; this file is checked against the outputs and times the official code recorded in
../shared/fixtures/decode/*/expected.json (test/bench/officialDecode.test.ts).

Usage: python3 bench/official/official_decode.py CASE_JSON... [--reps N] [--outputs]
       python3 bench/official/official_decode.py --serve   (reads "REPS CASE_JSON" lines on stdin, answers each)
Prints one JSON line per case: upsample_average and assignment seconds (the fixtures' official_seconds split; the
median of N runs), cpu_seconds (the process's CPU time of a decode, all threads; median), peak/person counts and, with --outputs, peaks, connections, persons and results as in
expected.json. Case files: simplepose-decode-case/1 (case.json + .npy maps, float16 or float32).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

# config/config.py and utils/config ([param]) of the official code (IMHN-REFERENCE §3, §4.1).
LIMB_FROM = [1, 1, 1, 1, 1, 0, 0, 14, 15, 1, 2, 3, 1, 5, 6, 1, 8, 9, 1, 11, 12, 0, 0, 2, 8, 5, 11, 16, 17, 8]
LIMB_TO = [0, 14, 15, 16, 17, 14, 15, 16, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 5, 8, 12, 11, 9, 2, 5, 11]
FLIP_HEAT_ORD = [0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17, 16, 18, 19]
FLIP_PAF_ORD = [0, 2, 1, 4, 3, 6, 5, 8, 7, 12, 13, 14, 9, 10, 11, 18, 19, 20, 15, 16, 17, 22, 21, 25, 26, 23, 24, 28,
                27, 29]
DT_GT_MAPPING = {0: 0, 1: None, 2: 6, 3: 8, 4: 10, 5: 5, 6: 7, 7: 9, 8: 12, 9: 14, 10: 16, 11: 11, 12: 13, 13: 15,
                 14: 2, 15: 1, 16: 4, 17: 3}
PARAMS = {'thre1': 0.1, 'thre2': 0.1, 'connect_ration': 0.8, 'mid_num': 20, 'offset_radius': 2, 'len_rate': 16,
          'connection_tole': 0.7, 'remove_recon': 0}
PAF_LAYERS, NUM_LAYERS, NUM_KEYPOINTS, STRIDE, PAD_MULTIPLE = 30, 50, 18, 4, 64


def read_case(case_json):
    with open(case_json) as f:
        case = json.load(f)
    base = os.path.dirname(case_json)
    passes = []
    for p in case['passes']:
        maps = np.load(os.path.join(base, p['maps'])).astype(np.float32)
        flip = p.get('flipped_maps')
        flipped = np.load(os.path.join(base, flip)).astype(np.float32) if flip else None
        # The network output moved to HWC, as evaluate.py does with the torch output.
        passes.append((p['multiplier'], maps.transpose(1, 2, 0), None if flipped is None else flipped.transpose(1, 2, 0)))
    return case['image'], passes


def pad_of(h, w):
    """utils/util.py padRightDownCorner: pad = [up, left, down, right] to a multiple of 64."""
    return [0, 0, 0 if h % PAD_MULTIPLE == 0 else PAD_MULTIPLE - h % PAD_MULTIPLE,
            0 if w % PAD_MULTIPLE == 0 else PAD_MULTIPLE - w % PAD_MULTIPLE]


def upsample_average(image, passes):
    """evaluate.py predict after the forward pass: flip average, x4 cubic, crop, cubic to the image, mean over scales."""
    H, W = image['height'], image['width']
    heatmap_avg = np.zeros((H, W, NUM_LAYERS - PAF_LAYERS))
    paf_avg = np.zeros((H, W, PAF_LAYERS))
    n = len(passes)
    for m, out, flipped in passes:
        # cv2.resize(oriImg, (0, 0), fx=m, fy=m) output size, then the padding of padRightDownCorner.
        rh, rw = int(round(H * m)), int(round(W * m))
        pad = pad_of(rh, rw)
        hp, wp = rh + pad[2], rw + pad[3]
        paf = out[:, :, :PAF_LAYERS]
        heat = out[:, :, PAF_LAYERS:NUM_LAYERS]
        if flipped is not None:
            paf_flip = flipped[:, ::-1, :][:, :, FLIP_PAF_ORD]
            heat_flip = flipped[:, ::-1, :][:, :, PAF_LAYERS:NUM_LAYERS][:, :, FLIP_HEAT_ORD]
            paf = (paf + paf_flip) / 2
            heat = (heat + heat_flip) / 2
        heatmap = cv2.resize(np.ascontiguousarray(heat), (0, 0), fx=STRIDE, fy=STRIDE, interpolation=cv2.INTER_CUBIC)
        heatmap = heatmap[:hp - pad[2], :wp - pad[3], :]
        heatmap = cv2.resize(heatmap, (W, H), interpolation=cv2.INTER_CUBIC)
        pafmap = cv2.resize(np.ascontiguousarray(paf), (0, 0), fx=STRIDE, fy=STRIDE, interpolation=cv2.INTER_CUBIC)
        pafmap = pafmap[:hp - pad[2], :wp - pad[3], :]
        pafmap = cv2.resize(pafmap, (W, H), interpolation=cv2.INTER_CUBIC)
        heatmap_avg = heatmap_avg + heatmap / n
        paf_avg = paf_avg + pafmap / n
    return heatmap_avg, paf_avg


def keypoint_heatmap_nms(heat, kernel=3, thre=0.1):
    """utils/util.py: reflect pad, 3x3 max pool, keep pixels equal to the max and >= thre."""
    pad = (kernel - 1) // 2
    pad_heat = F.pad(heat, (pad, pad, pad, pad), mode='reflect')
    hmax = F.max_pool2d(pad_heat, (kernel, kernel), stride=1, padding=0)
    return (hmax == heat).float() * (heat >= thre).float()


def refine_centroid(scorefmp, anchor, radius):
    x_c, y_c = anchor
    x_min, x_max = x_c - radius, x_c + radius + 1
    y_min, y_max = y_c - radius, y_c + radius + 1
    if y_max > scorefmp.shape[0] or y_min < 0 or x_max > scorefmp.shape[1] or x_min < 0:
        return anchor + (scorefmp[y_c, x_c],)
    score_box = scorefmp[y_min:y_max, x_min:x_max]
    x_grid, y_grid = np.mgrid[-radius:radius + 1, -radius:radius + 1]  # the official axis swap (§4.2)
    offset_x = (score_box * x_grid).sum() / score_box.sum()
    offset_y = (score_box * y_grid).sum() / score_box.sum()
    return (x_c + offset_x, y_c + offset_y) + (score_box.mean(),)


def find_peaks(heatmap_avg):
    """evaluate.py find_peaks: NMS of the 18 keypoint channels in one tensor op (the official code runs it on the GPU;
    here on the CPU, as the fixtures' official_seconds were measured), then refine_centroid per peak, row-major."""
    all_peaks = []
    peak_counter = 0
    heatmap_avg = heatmap_avg.astype(np.float32)
    filter_map = heatmap_avg[:, :, :NUM_KEYPOINTS].copy().transpose((2, 0, 1))[None, ...]
    filter_map = torch.from_numpy(filter_map)
    filter_map = keypoint_heatmap_nms(filter_map, kernel=3, thre=PARAMS['thre1'])
    filter_map = filter_map.cpu().numpy().squeeze(0).transpose((1, 2, 0))
    for part in range(NUM_KEYPOINTS):
        map_ori = heatmap_avg[:, :, part]
        peaks_binary = filter_map[:, :, part]
        peaks = list(zip(np.nonzero(peaks_binary)[1], np.nonzero(peaks_binary)[0]))
        refined = [refine_centroid(map_ori, anchor, PARAMS['offset_radius']) for anchor in peaks]
        ids = range(peak_counter, peak_counter + len(refined))
        all_peaks.append([refined[i] + (ids[i],) for i in range(len(ids))])
        peak_counter += len(peaks)
    return all_peaks


def find_connections(all_peaks, paf_avg, image_width):
    connection_all, special_k = [], []
    for k in range(len(LIMB_FROM)):
        score_mid = paf_avg[:, :, k]
        cand_a, cand_b = all_peaks[LIMB_FROM[k]], all_peaks[LIMB_TO[k]]
        n_a, n_b = len(cand_a), len(cand_b)
        if n_a == 0 or n_b == 0:
            special_k.append(k)
            connection_all.append([])
            continue
        connection_candidate = []
        for i in range(n_a):
            for j in range(n_b):
                vec = np.subtract(cand_b[j][:2], cand_a[i][:2])
                norm = math.sqrt(vec[0] * vec[0] + vec[1] * vec[1])
                mid_num = min(int(round(norm + 1)), PARAMS['mid_num'])
                if norm == 0:
                    continue
                startend = list(zip(np.linspace(cand_a[i][0], cand_b[j][0], num=mid_num),
                                    np.linspace(cand_a[i][1], cand_b[j][1], num=mid_num)))
                limb_response = np.array([score_mid[int(round(startend[s][1])), int(round(startend[s][0]))]
                                          for s in range(len(startend))])
                score_midpts = limb_response
                score_with_dist_prior = sum(score_midpts) / len(score_midpts) + min(0.5 * image_width / norm - 1, 0)
                criterion1 = len(np.nonzero(score_midpts > PARAMS['thre2'])[0]) >= PARAMS['connect_ration'] * len(
                    score_midpts)
                criterion2 = score_with_dist_prior > 0
                if criterion1 and criterion2:
                    connection_candidate.append([i, j, score_with_dist_prior, norm,
                                                 0.5 * score_with_dist_prior + 0.25 * cand_a[i][2] + 0.25 * cand_b[j][2]])
        connection_candidate = sorted(connection_candidate, key=lambda x: x[4], reverse=True)
        connection = np.zeros((0, 6))
        for c in range(len(connection_candidate)):
            i, j, s, limb_len = connection_candidate[c][0:4]
            if i not in connection[:, 3] and j not in connection[:, 4]:
                connection = np.vstack([connection, [cand_a[i][3], cand_b[j][3], s, i, j, limb_len]])
                if len(connection) >= min(n_a, n_b):
                    break
        connection_all.append(connection)
    return connection_all, special_k


def find_people(connection_all, special_k, all_peaks):
    subset = -1 * np.ones((0, 20, 2))
    candidate = np.array([item for sublist in all_peaks for item in sublist])
    for k in range(len(LIMB_FROM)):
        if k in special_k:
            continue
        part_as, part_bs = connection_all[k][:, 0], connection_all[k][:, 1]
        index_a, index_b = LIMB_FROM[k], LIMB_TO[k]
        for i in range(len(connection_all[k])):
            found = 0
            subset_idx = [-1, -1]
            for j in range(len(subset)):
                if subset[j][index_a][0].astype(int) == part_as[i].astype(int) or \
                        subset[j][index_b][0].astype(int) == part_bs[i].astype(int):
                    if found >= 2:
                        print('found >= 2', file=sys.stderr)
                        continue
                    subset_idx[found] = j
                    found += 1
            conn = connection_all[k][i]
            if found == 1:
                j = subset_idx[0]
                if subset[j][index_b][0].astype(int) == -1 and PARAMS['len_rate'] * subset[j][-1][1] > conn[-1]:
                    subset[j][index_b][0] = part_bs[i]
                    subset[j][index_b][1] = conn[2]
                    subset[j][-1][0] += 1
                    subset[j][-2][0] += candidate[part_bs[i].astype(int), 2] + conn[2]
                    subset[j][-1][1] = max(conn[-1], subset[j][-1][1])
                elif subset[j][index_b][0].astype(int) != part_bs[i].astype(int):
                    if subset[j][index_b][1] >= conn[2]:
                        pass
                    else:
                        if PARAMS['len_rate'] * subset[j][-1][1] <= conn[-1]:
                            continue
                        subset[j][-2][0] -= candidate[subset[j][index_b][0].astype(int), 2] + subset[j][index_b][1]
                        subset[j][index_b][0] = part_bs[i]
                        subset[j][index_b][1] = conn[2]
                        subset[j][-2][0] += candidate[part_bs[i].astype(int), 2] + conn[2]
                        subset[j][-1][1] = max(conn[-1], subset[j][-1][1])
                elif subset[j][index_b][0].astype(int) == part_bs[i].astype(int) and subset[j][index_b][1] <= conn[2]:
                    subset[j][-2][0] -= candidate[subset[j][index_b][0].astype(int), 2] + subset[j][index_b][1]
                    subset[j][index_b][0] = part_bs[i]
                    subset[j][index_b][1] = conn[2]
                    subset[j][-2][0] += candidate[part_bs[i].astype(int), 2] + conn[2]
                    subset[j][-1][1] = max(conn[-1], subset[j][-1][1])
            elif found == 2:
                j1, j2 = subset_idx
                membership = ((subset[j1][..., 0] >= 0).astype(int) + (subset[j2][..., 0] >= 0).astype(int))[:-2]
                if len(np.nonzero(membership == 2)[0]) == 0:
                    min_limb1 = np.min(subset[j1, :-2, 1][subset[j1, :-2, 0] != -1])
                    min_limb2 = np.min(subset[j2, :-2, 1][subset[j2, :-2, 0] != -1])
                    min_tolerance = min(min_limb1, min_limb2)
                    if conn[2] < PARAMS['connection_tole'] * min_tolerance or \
                            PARAMS['len_rate'] * subset[j1][-1][1] <= conn[-1]:
                        continue
                    subset[j1][:-2][...] += (subset[j2][:-2][...] + 1)
                    subset[j1][-2:][:, 0] += subset[j2][-2:][:, 0]
                    subset[j1][-2][0] += conn[2]
                    subset[j1][-1][1] = max(conn[-1], subset[j1][-1][1])
                    subset = np.delete(subset, j2, 0)
                # Overlapping persons: only shared-joint removal acts here, and remove_recon = 0 turns it off.
            elif not found:
                row = -1 * np.ones((20, 2))
                row[index_a][0] = part_as[i]
                row[index_a][1] = conn[2]
                row[index_b][0] = part_bs[i]
                row[index_b][1] = conn[2]
                row[-1][0] = 2
                row[-1][1] = conn[-1]
                row[-2][0] = sum(candidate[connection_all[k][i, :2].astype(int), 2]) + conn[2]
                subset = np.vstack([subset, row[None]])
    delete_idx = []
    for i in range(len(subset)):
        if subset[i][-1][0] < 2 or subset[i][-2][0] / subset[i][-1][0] < 0.45:
            delete_idx.append(i)
    subset = np.delete(subset, delete_idx, axis=0)
    return subset, candidate


def format_results(image_id, subset, candidate):
    results = []
    for s in subset:
        keypoints = []
        for imhn in [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]:  # inverse of DT_GT_MAPPING
            idx = int(s[imhn][0])
            x, y = (candidate[idx][0], candidate[idx][1]) if idx >= 0 else (0.0, 0.0)
            keypoints += [float(x), float(y), 1 if x > 0 or y > 0 else 0]
        results.append({'image_id': image_id, 'category_id': 1, 'keypoints': keypoints, 'score': 1 - 1.0 / s[18][0]})
    return results


def decode(image, passes):
    c0, t0 = time.process_time(), time.perf_counter()
    heatmap_avg, paf_avg = upsample_average(image, passes)
    t1 = time.perf_counter()
    all_peaks = find_peaks(heatmap_avg)
    connection_all, special_k = find_connections(all_peaks, paf_avg, image['height'])
    subset, candidate = find_people(connection_all, special_k, all_peaks)
    results = format_results(image['id'], subset, candidate)
    t2, c2 = time.perf_counter(), time.process_time()
    return {'all_peaks': all_peaks, 'connection_all': connection_all, 'subset': subset, 'results': results,
            'upsample_average': t1 - t0, 'assignment': t2 - t1, 'cpu': c2 - c0}


def outputs(out):
    peaks = [[[float(p[0]), float(p[1]), float(p[2]), int(p[3])] for p in lst] for lst in out['all_peaks']]
    conns = [np.asarray(c).tolist() for c in out['connection_all']]
    persons = [{'keypoint_ids': [int(v) for v in s[:18, 0]], 'total_score': float(s[18][0]),
                'part_count': int(s[19][0])} for s in out['subset']]
    return {'peaks': peaks, 'connections': conns, 'persons': persons, 'results': out['results']}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cases', nargs='*')
    ap.add_argument('--reps', type=int, default=1)
    ap.add_argument('--outputs', action='store_true')
    ap.add_argument('--serve', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    def answer(case_json, reps):
        image, passes = read_case(case_json)
        runs = [decode(image, passes) for _ in range(reps)]
        line = {'case': case_json, 'id': image['id'],
                'upsample_average': statistics.median(r['upsample_average'] for r in runs),
                'assignment': statistics.median(r['assignment'] for r in runs),
                'cpu_seconds': statistics.median(r['cpu'] for r in runs),
                'peaks': sum(len(p) for p in runs[0]['all_peaks']), 'persons': len(runs[0]['subset'])}
        if args.outputs:
            line.update(outputs(runs[0]))
        print(json.dumps(line), flush=True)

    if args.serve:
        for request in sys.stdin:
            reps, case_json = request.strip().split(' ', 1)
            answer(case_json, int(reps))
    for case_json in args.cases:
        answer(case_json, args.reps)


if __name__ == '__main__':
    main()
