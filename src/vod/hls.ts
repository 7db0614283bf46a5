// A tolerant HLS playlist reader for harvesting packaged outputs: which other playlists a playlist
// points at (variants, EXT-X-MEDIA renditions, I-frame playlists) and which files it needs
// (segments, EXT-X-MAP init sections). Blank lines, CRLF, BYTERANGE (the same file listed many times),
// quoted attribute values holding commas, and unknown tags are all fine. Key URIs are not followed:
// keys come from a key server, not from the egress endpoint.

/** What one playlist references, as absolute URLs. */
export interface HlsReferences {
  playlists: string[];
  files: string[];
}

/** Attribute list of a tag (`A=1,B="x,y"`), splitting on commas outside quotes. */
export function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const m of text.matchAll(re)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith('"') ? v.slice(1, -1) : v;
  }
  return out;
}

const resolve = (uri: string, base: string) => new URL(uri, base).toString();

/** References of the playlist `text` fetched from `url`; throws when it is not an HLS playlist. */
export function hlsReferences(text: string, url: string): HlsReferences {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trimStart().startsWith('#EXTM3U')) throw new Error(`${url} is not an HLS playlist (no #EXTM3U)`);
  const playlists = new Set<string>();
  const files = new Set<string>();
  let nextIsPlaylist = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const colon = line.indexOf(':');
      const tag = colon < 0 ? line : line.slice(0, colon);
      const attrs = () => parseAttributes(line.slice(colon + 1));
      if (tag === '#EXT-X-STREAM-INF') nextIsPlaylist = true;
      else if (tag === '#EXT-X-MEDIA' || tag === '#EXT-X-I-FRAME-STREAM-INF') {
        const uri = attrs().URI;
        if (uri) playlists.add(resolve(uri, url));
      } else if (tag === '#EXT-X-MAP') {
        const uri = attrs().URI;
        if (uri) files.add(resolve(uri, url));
      }
      continue;
    }
    (nextIsPlaylist ? playlists : files).add(resolve(line, url));
    nextIsPlaylist = false;
  }
  return { playlists: [...playlists], files: [...files] };
}
