/**
 * numpy's float64 `add.reduce` on a contiguous array (pairwise summation, numpy/_core/src/umath/loops_utils.h):
 * n < 8 → sequential from 0; n ≤ 128 → eight interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
 * plus the rest sequentially; larger n → recursive halves (split at a multiple of 8). Reproducing it keeps
 * evaluation numbers identical to pycocotools down to the last bit.
 */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [
      a[start],
      a[start + 1],
      a[start + 2],
      a[start + 3],
      a[start + 4],
      a[start + 5],
      a[start + 6],
      a[start + 7],
    ];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}
