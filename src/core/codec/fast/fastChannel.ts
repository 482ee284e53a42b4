import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from './fastTables.ts';
import type { ChannelStage } from './channelStage.ts';

/** Side of the fast decoder's tiles (image pixels): small, because only tiles near peaks are computed. */
export const FAST_TILE = 8;

/** What the steps of one fast decode share: kernels, the channel stage, tables, the tile kernel's scratch. */
export interface FastWorkspace {
  k: DecodeKernels;
  stage: ChannelStage;
  fast: FastPassTables[];
  scratch: number;
}
