// The Fragmenter's settings, warnings and counters (kept apart so the fragmenter reads as its rules).
import type { Logger } from '../log/index.js';
import type { Fragment, StreamHeader } from './fragment.js';

/** Something odd in the input that the fragmenter worked around; `code` is stable. */
export interface FragmenterWarning {
  code: 'GOP_TOO_LONG' | 'TRACK_SILENT' | 'LATE_BLOCK_DROPPED' | 'UNKNOWN_TRACK' | 'CLOCK_STEPPED_BACK';
  message: string;
}

/** Fragmenter settings; the defaults follow KVS's fragment limits. */
export interface FragmenterOptions {
  /** Wall clock (epoch ms) at pipeline running time 0: block time = epochBaseMs + running time. */
  epochBaseMs: number;
  /** Hands out header generation numbers (unique across the process, so across Fragmenters). */
  nextGeneration: () => number;
  log?: Logger;
  /** Shortest fragment that may be closed at a keyframe (KVS minimum 1 s). Default 1000. */
  minFragmentMs?: number;
  /** A GOP longer than this draws the GOP_TOO_LONG warning (once). Default 10000. */
  maxFragmentMs?: number;
  /** A fragment without a keyframe is cut so it ends by this age (KVS maximum 20 s). Default 20000. */
  hardLimitMs?: number;
  /** A fragment is cut like a too-long GOP before its payload passes this (KVS maximum 50 MB). Default 45 MB. */
  maxFragmentBytes?: number;
  /** How long a closed fragment waits for late audio before it is emitted. Default 1000. */
  reorderWindowMs?: number;
  onFragment: (f: Fragment) => void;
  /** Called when a new header generation begins, before its first fragment. */
  onHeader?: (h: StreamHeader) => void;
  onWarning?: (w: FragmenterWarning) => void;
}

/** Counters for health reporting. */
export interface FragmenterStats {
  bytesIn: number;
  fragments: number;
  droppedBlocks: number;
  /** Primary-track frames moved forward because the source clock stepped back (see Fragmenter). */
  retimedBlocks: number;
}
