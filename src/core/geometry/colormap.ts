/**
 * Colormaps for heatmap overlays: 256-entry RGBA lookup tables (Uint8ClampedArray, 4 bytes an entry). `turbo` is
 * Google's Turbo polynomial approximation (Mikhailov 2019); `gray` is linear. Values are clamped to [0, 1];
 * alpha grows with the value so that low responses do not veil the photo.
 */
export type ColormapName = 'turbo' | 'gray';

export function colormapLut(name: ColormapName, opacity = 0.6): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [r, g, b] = name === 'turbo' ? turbo(t) : [t, t, t];
    lut[4 * i] = r * 255;
    lut[4 * i + 1] = g * 255;
    lut[4 * i + 2] = b * 255;
    lut[4 * i + 3] = 255 * opacity * Math.min(1, t * 1.5);
  }
  return lut;
}

function turbo(t: number): [number, number, number] {
  const r =
    0.13572138 + t * (4.6153926 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const b =
    0.1066733 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  const c = (v: number) => Math.max(0, Math.min(1, v));
  return [c(r), c(g), c(b)];
}

/** Index into a LUT for a map value. */
export function lutIndex(value: number): number {
  return value <= 0 ? 0 : value >= 1 ? 255 : Math.round(value * 255);
}
