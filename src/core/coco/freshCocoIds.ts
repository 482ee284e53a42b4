/**
 * New COCO ids (images, annotations) for records that have none, never one of `used`: the next above the largest
 * used id while that is exact (below 2^53, as the validator requires), then the lowest free ids from 1. A file may
 * legitimately use 2^53 − 1; "largest + 1" alone would then give ids no export may contain.
 */
export function freshCocoIds(used: Iterable<number>): () => number {
  const taken = new Set(used);
  let next = 1;
  for (const id of taken) if (id >= next) next = id + 1;
  let low = 1;
  return () => {
    if (next <= Number.MAX_SAFE_INTEGER) return next++;
    while (taken.has(low)) low++;
    taken.add(low);
    return low;
  };
}
