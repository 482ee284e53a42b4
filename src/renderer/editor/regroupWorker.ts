// The regroup's Web Worker (regroupRunner.ts): keeps the open image's maps, prepares its regroup as soon as they
// arrive (the candidates and the map values the assignment samples) and answers regroups on it.
import { correctionInputsOf } from './correctionInputs.ts';
import { regroupNow, type RegroupImage, type RegroupReply, type RegroupRequest } from './regroupRunner.ts';

let open: { id: number; img: RegroupImage } | null = null;
const reply = (m: RegroupReply) => self.postMessage(m);

self.onmessage = (e: MessageEvent<RegroupRequest>) => {
  const m = e.data;
  if (m.type === 'image') {
    open = { id: m.id, img: m.img };
    correctionInputsOf(m.img.maps, m.img.width, m.img.height).warmUp();
  } else if (open?.id !== m.id) reply({ req: m.req, error: 'that image is no longer the open one' });
  else {
    try {
      // the proposal reads the persons only: the assignment's candidates, connections and rows stay here
      const a = regroupNow(open.img, m.fixed);
      const { fixed, free } = a.result;
      reply({
        req: m.req,
        answer: { ...a, result: { fixed, free, candidates: [], connections: [], rows: [], fixedOf: [] } },
      });
    } catch (err) {
      reply({ req: m.req, error: err instanceof Error ? err.message : String(err) });
    }
  }
};
