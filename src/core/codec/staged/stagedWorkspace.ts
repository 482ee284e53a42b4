import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from '../fast/fastTables.ts';
import type { ChannelStage } from './channelStage.ts';

/** Side of the staged decoders' tiles (image pixels, both modes): small, because only tiles that matter are computed. */
export const STAGED_TILE = 8;

/** What the steps of one decode share: kernels, the channel stage, fast tables (fast mode), the tiles' scratch. */
export interface StagedWorkspace {
  k: DecodeKernels;
  stage: ChannelStage;
  fast: FastPassTables[];
  scratch: number;
}
