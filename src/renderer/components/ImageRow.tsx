import type { ReactNode } from 'react';
import { useEngine } from './useEditor.ts';

/** A table row about one image (evaluation, compare runs): a click closes the dialog and opens the image. */
export function ImageRow({ imageId, children }: { imageId: number; children: ReactNode }) {
  const engine = useEngine();
  return (
    <tr
      data-image-id={imageId}
      onClick={() => {
        engine.notices.open(null);
        void engine.openImageId(imageId);
      }}
    >
      {children}
    </tr>
  );
}
