"""The IMHN skeleton facts needed in model cards (mirror of src/core/skeleton/poseMeta.ts; IMHN-REFERENCE §3)."""
KEYPOINTS = ['nose', 'neck', 'Rsho', 'Relb', 'Rwri', 'Lsho', 'Lelb', 'Lwri', 'Rhip', 'Rkne', 'Rank', 'Lhip', 'Lkne',
             'Lank', 'Reye', 'Leye', 'Rear', 'Lear']
LIMB_FROM = [1, 1, 1, 1, 1, 0, 0, 14, 15, 1, 2, 3, 1, 5, 6, 1, 8, 9, 1, 11, 12, 0, 0, 2, 8, 5, 11, 16, 17, 8]
LIMB_TO = [0, 14, 15, 16, 17, 14, 15, 16, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 5, 8, 12, 11, 9, 2, 5, 11]
FLIP_HEAT_ORDER = [0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17, 16, 18, 19]
FLIP_PAF_ORDER = [0, 2, 1, 4, 3, 6, 5, 8, 7, 12, 13, 14, 9, 10, 11, 18, 19, 20, 15, 16, 17, 22, 21, 25, 26, 23, 24, 28, 27, 29]
COCO_TO_IMHN = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]


def card_skeleton():
    return {'keypoints': KEYPOINTS, 'limb_from': LIMB_FROM, 'limb_to': LIMB_TO, 'flip_heat_order': FLIP_HEAT_ORDER,
            'flip_paf_order': FLIP_PAF_ORDER, 'coco_to_imhn': COCO_TO_IMHN}
