// The archived-media side of the KVS stand-in (what @aws-sdk/client-kinesis-video-archived-media and
// players talk to on the endpoint GetDataEndpoint hands out): ListFragments, GetHLSStreamingSessionURL
// and the HLS session it opens, GetClip. Everything is served from the fragments PutMedia stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson, sendJson } from './http.js';
import { listFragments, type ArchivedMediaContext } from './list-fragments.js';

export type { ArchivedMediaContext } from './list-fragments.js';

/** POST path -> operation name, as the SDK model routes them. */
export const ARCHIVED_MEDIA_OPERATIONS: Record<string, string> = {
  '/listFragments': 'ListFragments',
};

export async function handleArchivedMedia(
  ctx: ArchivedMediaContext,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJson(req);
  switch (operation) {
    case 'ListFragments':
      return sendJson(res, 200, listFragments(ctx, body));
  }
}
