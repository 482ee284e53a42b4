/** A keypoint candidate in image space (pixels; integer = pixel centre, OpenCV convention). */
export interface Peak {
  x: number;
  y: number;
  score: number;
  /** Global candidate id: sequential over keypoint types 0..17, then peaks in row-major order. */
  id: number;
}

/** Assigns global ids in the official order (types in order, peaks within a type as given). */
export function numberPeaks(perType: Omit<Peak, 'id'>[][]): Peak[][] {
  let id = 0;
  return perType.map((list) => list.map((p) => ({ ...p, id: id++ })));
}
