import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateCocoGt, validateCocoResults } from './validateCoco.ts';
import { parseCocoGt, parseCocoResults, serializeCoco } from './cocoJson.ts';
import { CocoFormatError, type CocoDataset } from './cocoTypes.ts';
import { SHARED_ROOT } from '../../../test/support/fixturePaths.ts';

const REAL = [
  path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json'),
  path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_val2017.json'),
  path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco', 'test_coco.json'),
];

function minimal(): CocoDataset {
  const kp = new Array(51).fill(0);
  kp.splice(0, 3, 10.5, 20.25, 2);
  kp.splice(15, 3, 30, 40, 1);
  return {
    images: [
      { id: 1, file_name: 'a.jpg', width: 100, height: 80 },
      { id: 2, file_name: 'empty.jpg', width: 10, height: 10 },
    ],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 1,
        keypoints: kp,
        num_keypoints: 2,
        bbox: [10, 20, 20, 20],
        area: 400,
        iscrowd: 0,
        segmentation: [[10, 20, 30, 20, 30, 40]],
      },
    ],
    categories: [
      {
        id: 1,
        name: 'person',
        keypoints: [
          'nose',
          'left_eye',
          'right_eye',
          'left_ear',
          'right_ear',
          'left_shoulder',
          'right_shoulder',
          'left_elbow',
          'right_elbow',
          'left_wrist',
          'right_wrist',
          'left_hip',
          'right_hip',
          'left_knee',
          'right_knee',
          'left_ankle',
          'right_ankle',
        ],
        skeleton: [
          [16, 14],
          [14, 12],
          [17, 15],
          [15, 13],
          [12, 13],
          [6, 12],
          [7, 13],
          [6, 7],
          [6, 8],
          [7, 9],
          [8, 10],
          [9, 11],
          [2, 3],
          [1, 2],
          [1, 3],
          [2, 4],
          [3, 5],
          [4, 6],
          [5, 7],
        ],
      },
    ],
  };
}

const paths = (d: unknown) =>
  validateCocoGt(d)
    .filter((v) => v.severity === 'error')
    .map((v) => v.path);

describe('COCO validator (PRODUCT.md export rules)', () => {
  it('accepts the real COCO files in shared/data and a minimal valid file', () => {
    for (const f of REAL)
      expect(
        validateCocoGt(JSON.parse(readFileSync(f, 'utf8'))).filter((v) => v.severity === 'error'),
        f,
      ).toEqual([]);
    expect(validateCocoGt(minimal())).toEqual([]);
  });
  it('reports each broken rule at its JSON path', () => {
    const cases: [string, (d: CocoDataset) => void, string][] = [
      [
        'ids start at 1',
        (d) => {
          d.images[0].id = 0;
        },
        'images[0].id',
      ],
      [
        'annotation id ≥ 1',
        (d) => {
          d.annotations[0].id = 0;
        },
        'annotations[0].id',
      ],
      [
        'duplicate image id',
        (d) => {
          d.images[1].id = 1;
        },
        'images[1].id',
      ],
      [
        '51 keypoint numbers',
        (d) => {
          d.annotations[0].keypoints.pop();
        },
        'annotations[0].keypoints',
      ],
      [
        'v in {0,1,2}',
        (d) => {
          d.annotations[0].keypoints[2] = 3;
        },
        'annotations[0].keypoints[2]',
      ],
      [
        'x = y = 0 when v = 0',
        (d) => {
          d.annotations[0].keypoints[3] = 5;
        },
        'annotations[0].keypoints[3]',
      ],
      [
        'num_keypoints = count of v > 0',
        (d) => {
          d.annotations[0].num_keypoints = 3;
        },
        'annotations[0].num_keypoints',
      ],
      [
        'bbox has 4 numbers',
        (d) => {
          d.annotations[0].bbox = [1, 2, 3];
        },
        'annotations[0].bbox',
      ],
      [
        'area > 0 for a non-crowd person',
        (d) => {
          d.annotations[0].area = 0;
        },
        'annotations[0].area',
      ],
      [
        'area present',
        (d) => {
          delete (d.annotations[0] as Partial<(typeof d.annotations)[0]>).area;
        },
        'annotations[0].area',
      ],
      [
        'iscrowd present',
        (d) => {
          delete (d.annotations[0] as Partial<(typeof d.annotations)[0]>).iscrowd;
        },
        'annotations[0].iscrowd',
      ],
      [
        'image_id exists',
        (d) => {
          d.annotations[0].image_id = 9;
        },
        'annotations[0].image_id',
      ],
      [
        '1-based skeleton',
        (d) => {
          d.categories[0].skeleton = d.categories[0].skeleton!.map(([a, b]) => [a - 1, b - 1]);
        },
        'categories[0].skeleton',
      ],
    ];
    for (const [rule, mutate, where] of cases) {
      const d = minimal();
      mutate(d);
      expect(paths(d), rule).toContain(where);
    }
  });
  it('a non-crowd person with no labelled keypoints and no real box is an error (what the export once wrote)', () => {
    const empty = (bbox: number[], iscrowd: 0 | 1 = 0) => {
      const d = minimal();
      d.annotations.push({
        id: 2,
        image_id: 1,
        category_id: 1,
        keypoints: new Array(51).fill(0),
        num_keypoints: 0,
        bbox,
        area: Math.max(1, bbox[2] * bbox[3]),
        iscrowd,
        segmentation: [[0, 0, 1, 0, 1, 1]],
      });
      return validateCocoGt(d);
    };
    expect(empty([0, 0, 1, 1])).toEqual([
      {
        path: 'annotations[1]',
        message: 'a person with no labelled keypoints and no real box (bbox [0,0,1,1]): an empty record',
        severity: 'error',
      },
    ]);
    expect(empty([5, 5, 0.5, 0.5]).map((v) => v.severity)).toEqual(['error']);
    // COCO's own boxed persons without keypoints, and crowd regions, are real.
    expect(empty([12, 30, 3, 8])).toEqual([]);
    expect(empty([0, 0, 1, 1], 1)).toEqual([]);
  });
  it('warns when persons have no mask and info does not say how area was derived', () => {
    const d = minimal();
    delete d.annotations[0].segmentation;
    expect(validateCocoGt(d)).toEqual([expect.objectContaining({ path: 'info.area_source', severity: 'warning' })]);
    d.info = { area_source: 'bbox area of the labelled keypoints' };
    expect(validateCocoGt(d)).toEqual([]);
  });
  it('checks results files: flat array, GT image ids, 51 numbers', () => {
    expect(validateCocoResults({})[0].path).toBe('$');
    const r = [{ image_id: 7, category_id: 1, keypoints: new Array(51).fill(0), score: 0.5 }];
    expect(validateCocoResults(r, new Set([1]))[0].path).toBe('[0].image_id');
    expect(validateCocoResults([{ ...r[0], image_id: 1, keypoints: [1, 2] }], new Set([1]))[0].path).toBe(
      '[0].keypoints',
    );
  });
  it('malformed JSON and empty files give a CocoFormatError, never a crash', () => {
    expect(() => parseCocoGt('{"images": [')).toThrow(CocoFormatError);
    expect(() => parseCocoGt('')).toThrow(/empty/);
    expect(() => parseCocoResults('[{"image_id": "x"}]')).toThrow(/image_id/);
  });
  it('import(export(x)) == x for the COCO files in shared/data (v = 1, crowd persons, empty images kept)', () => {
    for (const f of REAL) {
      const x = parseCocoGt(readFileSync(f, 'utf8'));
      expect(parseCocoGt(serializeCoco(x))).toEqual(x);
    }
  });
  it('file names: one record per file, relative and inside the images folder', () => {
    const d = minimal();
    d.images.push({ id: 3, file_name: 'a.jpg', width: 10, height: 10 });
    expect(validateCocoGt(d).filter((v) => v.severity === 'error')).toEqual([
      {
        path: 'images[2].file_name',
        message: '"a.jpg" is also the file_name of images[0] (one record per file)',
        severity: 'error',
      },
    ]);
    for (const bad of [
      '../../etc/passwd',
      '/etc/passwd',
      'C:/x.jpg',
      'a/../b.jpg',
      './a.jpg',
      'a//b.jpg',
      'a\\b.jpg',
      'a\u0000.jpg',
    ]) {
      const e = minimal();
      e.images[1].file_name = bad;
      expect(paths(e), bad).toEqual(['images[1].file_name']);
    }
    const ok = minimal();
    ok.images[1].file_name = 'train2017/sub dir/000000000785.jpg';
    expect(paths(ok)).toEqual([]);
  });
  it('ids must be exact JSON integers (below 2^53); labelled keypoints lie within one image size of the image', () => {
    const d = minimal();
    d.annotations[0].id = 2 ** 53;
    expect(paths(d)).toEqual(['annotations[0].id']);
    const far = minimal();
    far.annotations[0].keypoints[0] = 1e308;
    expect(
      validateCocoGt(far)
        .filter((v) => v.severity === 'error')
        .map((v) => v.message),
    ).toEqual(['nose at (1e+308, 20.25) is too far outside its 100×80 image (allowed x -100..200, y -80..160)']);
    far.annotations[0].keypoints[0] = -100; // a joint outside the frame, within bounds
    expect(paths(far)).toEqual([]);
  });
  it('a number beyond ±1.8e308 (1e400) anywhere is refused with its path, never written back as null', () => {
    const text = serializeCoco(minimal())
      .replace('"iscrowd":0', '"iscrowd":0,"extra":{"weights":[1,-1e400]},"odd key":1e999')
      .replace('"width":100', '"width":100,"exposure":1E+400');
    const e = (() => {
      try {
        parseCocoGt(text);
      } catch (x) {
        return x as CocoFormatError;
      }
    })();
    expect(e).toBeInstanceOf(CocoFormatError);
    expect(e!.violations.map((v) => [v.path, v.message])).toEqual([
      ['images[0].exposure', expect.stringMatching(/^is infinite: a number beyond ±1\.8e308 \(such as 1e400\)/)],
      ['annotations[0].extra.weights[1]', expect.stringMatching(/^is -infinite/)],
      ['annotations[0]["odd key"]', expect.stringMatching(/^is infinite/)],
    ]);
    // a field another rule checks is reported once, by that rule
    const bbox = validateCocoGt(JSON.parse(serializeCoco(minimal()).replace('"area":400', '"area":1e400')));
    expect(bbox.filter((v) => v.severity === 'error').map((v) => v.path)).toEqual(['annotations[0].area']);
    expect(
      validateCocoResults(JSON.parse('[{"image_id":1,"category_id":1,"score":1,"keypoints":[],"x":1e400}]')),
    ).toContainEqual(expect.objectContaining({ path: '[0].x' }));
  });
  it('a UTF-8 byte-order mark before the JSON is accepted', () => {
    expect(parseCocoGt(`\ufeff${serializeCoco(minimal())}`)).toEqual(minimal());
  });
});
