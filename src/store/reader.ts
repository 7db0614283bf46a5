// Reading fragments back: every fragment of a camera overlapping [startMs, endMs), from the file
// that holds startMs through the file still being written (up to its last complete fragment, and
// following it while it grows). Headers are renumbered per store so that within one read the same
// header bytes always carry the same generation and a change always shows as a new one, whatever
// process or muxer wrote the files. A file that vanishes (retention) or cannot be parsed is skipped
// with a warning; a reader never throws because of what is on disk.
import { promises as fsp } from 'node:fs';
import type { Logger } from '../log/index.js';
import { readFragmentsFromFile, type Fragment, type StreamHeader } from '../mkv/index.js';
import type { Catalog, FragmentSpan, Segment } from './catalog.js';
import { errorCode } from './files.js';

/** What a read needs from the store. */
export interface ReadContext {
  catalog: Catalog;
  log: Logger;
  /** A store-wide counter, so generations from different reads never collide either. */
  nextGeneration(): number;
}

export async function* readRange(
  ctx: ReadContext,
  cameraId: string,
  startMs: number,
  endMs: number,
): AsyncGenerator<Fragment> {
  let source: Buffer | undefined;
  let mapped: StreamHeader | undefined;
  const remap = (h: StreamHeader): StreamHeader => {
    if (!mapped || !source?.equals(h.bytes)) {
      source = h.bytes;
      mapped = { ...h, generation: ctx.nextGeneration() };
    }
    return mapped;
  };
  for (const seg of ctx.catalog.overlapping(cameraId, startMs, endMs)) {
    try {
      const fragments = seg.spans && seg.header ? readLive(seg, seg.spans, seg.header) : readClosed(seg);
      for await (const f of fragments) {
        if (f.endMs <= startMs) continue;
        if (f.startMs >= endMs) break;
        yield { ...f, header: remap(f.header) };
      }
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'ENOENT') {
        ctx.log.warn({ err, path: seg.path }, 'recording could not be read to the end; skipped the rest');
      }
    }
  }
}

async function* readClosed(seg: Segment): AsyncGenerator<Fragment> {
  const options = seg.timeBaseMs !== 0 ? { baseEpochMs: seg.startMs } : {};
  for await (const f of readFragmentsFromFile(seg.path, options)) yield f;
}

// The writer appends to `spans` and never rewrites an entry, so this walks the array by index and
// picks up fragments written while the read is under way, until the writer closes the file.
async function* readLive(
  seg: Segment,
  spans: FragmentSpan[],
  header: StreamHeader,
): AsyncGenerator<Fragment> {
  const handle = await fsp.open(seg.path, 'r');
  try {
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as FragmentSpan;
      const bytes = Buffer.allocUnsafe(span.length);
      const { bytesRead } = await handle.read(bytes, 0, span.length, span.offset);
      if (bytesRead < span.length) return;
      yield { startMs: span.startMs, endMs: span.endMs, keyframe: span.keyframe, bytes, header };
    }
  } finally {
    await handle.close();
  }
}
