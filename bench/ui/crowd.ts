/**
 * The crowd the UI benchmarks draw and drag: 50 persons (850 joints, 950 limbs) in a 10 × 5 grid over an image of
 * `width` × `height`, every joint placed; `grabbed` is where joint 5 of person bench24 (near the centre) is.
 */
export function crowd(width: number, height: number) {
  const added: Record<string, { id: string; joints: { x: number; y: number; v: 2; source: 'human' }[]; crowd: false }> =
    {};
  const order: string[] = [];
  for (let p = 0; p < 50; p++) {
    const cx = (width * ((p % 10) + 0.5)) / 10,
      cy = (height * (Math.floor(p / 10) + 0.5)) / 5;
    const joints = Array.from({ length: 17 }, (_, k) => ({
      x: cx + 12 * Math.cos(k),
      y: cy - 30 + 3.5 * k,
      v: 2 as const,
      source: 'human' as const,
    }));
    added[`bench${p}`] = { id: `bench${p}`, joints, crowd: false };
    order.push(`bench${p}`);
  }
  return { added, order, grabbed: added.bench24.joints[5] };
}
