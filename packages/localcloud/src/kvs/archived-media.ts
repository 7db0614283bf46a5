// The archived-media side of the KVS stand-in (what @aws-sdk/client-kinesis-video-archived-media and
// players talk to on the endpoint GetDataEndpoint hands out): ListFragments, GetHLSStreamingSessionURL
// and the HLS session it opens (hls/), GetClip. Everything is served from the fragments PutMedia stored,
// remuxed to fragmented MP4 (fmp4/) without re-encoding.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ServiceError, readJson, sendJson } from './http.js';
import { epochSecondsField, findArchivedStream, listFragments } from './list-fragments.js';
import { HlsSessions, type HlsContext } from './hls/session.js';
import { readHeader } from './fmp4/matroska.js';
import { initSegment, supportedTracks } from './fmp4/mux.js';

export type { HlsContext } from './hls/session.js';
export { HlsSessions } from './hls/session.js';

/** POST path -> operation name, as the SDK model routes them. */
export const ARCHIVED_MEDIA_OPERATIONS: Record<string, string> = {
  '/listFragments': 'ListFragments',
  '/getHLSStreamingSessionURL': 'GetHLSStreamingSessionURL',
  '/getClip': 'GetClip',
};

// API reference: a clip holds at most 200 fragments (and 100 MB).
const MAX_CLIP_FRAGMENTS = 200;
const MAX_CLIP_BYTES = 100 * 1024 * 1024;

export async function handleArchivedMedia(
  ctx: HlsContext,
  sessions: HlsSessions,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJson(req);
  switch (operation) {
    case 'ListFragments':
      return sendJson(res, 200, listFragments(ctx, body));
    case 'GetHLSStreamingSessionURL':
      return sendJson(res, 200, sessions.open(body));
    case 'GetClip':
      return sendClip(ctx, sessions, body, res);
  }
}

function sendClip(
  ctx: HlsContext,
  sessions: HlsSessions,
  body: Record<string, unknown>,
  res: ServerResponse,
): void {
  const stream = findArchivedStream(ctx, body);
  const selector = body.ClipFragmentSelector as Record<string, unknown> | undefined;
  const type = selector?.FragmentSelectorType;
  if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP')
    throw new ServiceError(
      400,
      'InvalidArgumentException',
      'ClipFragmentSelector.FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP',
    );
  const range = selector?.TimestampRange as Record<string, unknown> | undefined;
  const startMs = epochSecondsField(range?.StartTimestamp, 'StartTimestamp');
  const endMs = epochSecondsField(range?.EndTimestamp, 'EndTimestamp');
  if (startMs === undefined || endMs === undefined || endMs <= startMs)
    throw new ServiceError(
      400,
      'InvalidArgumentException',
      'TimestampRange needs StartTimestamp before EndTimestamp',
    );
  const all = ctx.fragments(stream.StreamName, {
    timestamp: type === 'SERVER_TIMESTAMP' ? 'server' : 'producer',
    startMs,
    endMs,
  });
  if (all.length === 0)
    throw new ServiceError(
      404,
      'ResourceNotFoundException',
      `No fragments found in the requested time range of stream ${stream.StreamName}`,
    );
  if (all.length > MAX_CLIP_FRAGMENTS || all.reduce((n, f) => n + f.sizeBytes, 0) > MAX_CLIP_BYTES)
    throw new ServiceError(
      400,
      'ClientLimitExceededException',
      `a clip holds at most ${MAX_CLIP_FRAGMENTS} fragments and 100 MB; ask for a shorter range`,
    );
  const first = ctx.media(stream.StreamName, all[0]!.fragmentNumber)!;
  const parts = [initSegment(supportedTracks(readHeader(first.header).tracks))];
  for (let i = 0; i < all.length; i++)
    parts.push(sessions.fragmentMp4(stream.StreamName, all, i, all[0]!.producerTimestampMs));
  const payload = Buffer.concat(parts);
  res.writeHead(200, {
    'content-type': 'video/mp4',
    'content-length': payload.length,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

/** GET paths of an HLS session (relative to /hls/v1/). */
export function handleHls(
  sessions: HlsSessions,
  path: string,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  // Browsers (the console, hls.js) fetch these cross-origin, as they do from KVS.
  const cors = { 'access-control-allow-origin': '*' };
  switch (path) {
    case '/hls/v1/getHLSMasterPlaylist.m3u8':
    case '/hls/v1/getHLSMediaPlaylist.m3u8': {
      const text = path.endsWith('MasterPlaylist.m3u8')
        ? sessions.masterPlaylist(query)
        : sessions.mediaPlaylist(query);
      res.writeHead(200, {
        'content-type': 'application/x-mpegURL',
        'content-length': Buffer.byteLength(text),
        ...cors,
      });
      res.end(text);
      return;
    }
    case '/hls/v1/getMP4InitFragment.mp4':
    case '/hls/v1/getMP4MediaFragment.mp4': {
      const bytes = path.endsWith('InitFragment.mp4')
        ? sessions.initFragment(query)
        : sessions.mediaFragment(query);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length, ...cors });
      res.end(bytes);
      return;
    }
    default:
      throw new ServiceError(404, 'ResourceNotFoundException', `${path} is not an HLS session resource`);
  }
}
