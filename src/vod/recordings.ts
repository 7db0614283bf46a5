// A read-only view of a recordings folder for the CLI. Opening the store would also scan and repair
// (truncate) the file a running component is writing, so `vod publish` from a shell reads the
// camera's video_<ms>.mkv files directly and never writes.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readFragmentsFromFile, type Fragment } from '../mkv/index.js';
import { parseSegmentName } from '../store/index.js';
import type { FragmentSource } from './clip.js';

/** Camera folders under a recordings root (those holding at least one recording file). */
export async function recordedCameras(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const names = await readdir(path.join(root, entry.name)).catch(() => [] as string[]);
    if (names.some((n) => parseSegmentName(n) !== undefined)) out.push(entry.name);
  }
  return out.sort();
}

/** Reads fragments overlapping [startMs, endMs) from `<root>/<camera>/video_*.mkv`, oldest first. */
export function recordingsReader(root: string): FragmentSource {
  return {
    async *read(cameraId: string, startMs: number, endMs: number): AsyncIterable<Fragment> {
      const dir = path.join(root, cameraId);
      const files = (await readdir(dir).catch(() => [] as string[]))
        .map((name) => ({ name, parsed: parseSegmentName(name) }))
        .filter((f): f is { name: string; parsed: NonNullable<typeof f.parsed> } => f.parsed !== undefined)
        .sort((a, b) => a.parsed.startMs - b.parsed.startMs);
      for (let i = 0; i < files.length; i++) {
        const file = files[i]!;
        const next = files[i + 1];
        // A file ends where the next begins at the latest; skip files wholly outside the range.
        if (file.parsed.startMs >= endMs || (next && next.parsed.startMs <= startMs)) continue;
        try {
          for await (const f of readFragmentsFromFile(path.join(dir, file.name), {
            baseEpochMs: file.parsed.startMs,
          })) {
            if (f.startMs >= endMs) break;
            if (f.endMs > startMs) yield f;
          }
        } catch {
          // A file that is not Matroska (or vanished) holds nothing we can publish.
        }
      }
    },
  };
}
