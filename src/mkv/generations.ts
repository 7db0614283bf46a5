// Header generations: the canonical header for the tracks a fragment actually holds, reused while it
// stays byte-identical and replaced (new generation number) as soon as it would change.
import type { Logger } from '../log/index.js';
import type { StreamHeader } from './fragment.js';
import type { FragmenterWarning } from './fragmenter-options.js';
import { makeHeader, type SourceTrack } from './header.js';

/** Wiring for HeaderGenerations. */
export interface GenerationOptions {
  nextGeneration: () => number;
  log?: Logger;
  onHeader?: (h: StreamHeader) => void;
  warn: (code: FragmenterWarning['code'], message: string) => void;
}

/** Hands out the StreamHeader for each fragment; see the file comment. */
export class HeaderGenerations {
  #header: StreamHeader | undefined;
  // Tracks currently left out of the header, so TRACK_SILENT is said once per silence.
  readonly #silent = new Set<number>();

  constructor(private readonly o: GenerationOptions) {}

  get current(): StreamHeader | undefined {
    return this.#header;
  }

  /** The header for a fragment starting at `startMs` with frames of the `present` track numbers. */
  forFragment(
    segmentUid: Buffer | undefined,
    declared: readonly SourceTrack[],
    present: ReadonlySet<number>,
    startMs: number,
  ): StreamHeader {
    for (const t of declared) {
      const n = t.info.number;
      if (present.has(n)) this.#silent.delete(n);
      else if (!this.#silent.has(n)) {
        this.#silent.add(n);
        this.o.warn(
          'TRACK_SILENT',
          `track ${n} (${t.info.codecId}) has no frames in the fragment at ${startMs}; it is left out ` +
            'of the stream header (new header generation) until it has frames again',
        );
      }
    }
    const tracks = declared.filter((t) => present.has(t.info.number));
    const candidate = makeHeader(0, segmentUid, tracks);
    if (this.#header !== undefined && this.#header.bytes.equals(candidate.bytes)) return this.#header;
    candidate.generation = this.o.nextGeneration();
    this.#header = candidate;
    this.o.log?.info(
      { generation: candidate.generation, tracks: tracks.map((t) => t.info.codecId) },
      'new stream header generation',
    );
    this.o.onHeader?.(candidate);
    return candidate;
  }
}
