import type { EngineOptions } from './editorEngine.ts';
import type { MediaLoader } from './imageSession.ts';
import { localPrefsStorage } from './viewPrefs.ts';

/** Runs `f` after the next frame has been painted. */
export function afterPaint(f: () => void): void {
  requestAnimationFrame(() => setTimeout(f, 0));
}

/** Media in the browser: photos decoded by an <img> (EXIF orientation applied), bytes by fetch. */
export const browserMedia: MediaLoader = {
  async image(url) {
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch {
      // The browser says only "EncodingError": the file is gone, or not an image it can decode.
      throw new Error('the image cannot be shown (missing or not an image the browser decodes)');
    }
    return { width: img.naturalWidth, height: img.naturalHeight, source: img };
  },
  async bytes(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  },
};

/** The engine's dependencies in a browser page (the app's window, or web mode). */
export function browserEngineOptions(prefetch: boolean): EngineOptions {
  return {
    media: browserMedia,
    prefs: localPrefsStorage(),
    isMac: /Mac|iPhone|iPad/.test(navigator.platform),
    prefetch,
    afterPaint,
  };
}
