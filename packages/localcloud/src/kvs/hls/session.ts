// GetHLSStreamingSessionURL and the session it opens: which fragments a session plays (LIVE: the newest,
// LIVE_REPLAY: from a start time onwards at playback pace, ON_DEMAND: a closed range), its master and
// media playlists and its fMP4 init and media fragments, remuxed from the stored Matroska.
import { randomBytes } from 'node:crypto';
import type { StoredFragment } from '../fragments.js';
import { ServiceError, optionalString } from '../http.js';
import {
  epochSecondsField,
  findArchivedStream,
  type ArchivedMediaContext,
  type TimestampOrigin,
} from '../list-fragments.js';
import { readCluster, readHeader, RemuxError, type MkvTrack } from '../fmp4/matroska.js';
import { codecString, initSegment, mediaSegment, supportedTracks } from '../fmp4/mux.js';

export type PlaybackMode = 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';

/** What sessions need beyond listing: the bytes of a fragment and the URL base of the data endpoint. */
export interface HlsContext extends ArchivedMediaContext {
  media(
    streamName: string,
    fragmentNumber: string,
  ): { meta: StoredFragment; header: Buffer; cluster: Buffer } | undefined;
  endpoint(): string;
}

interface Session {
  token: string;
  stream: string;
  mode: PlaybackMode;
  origin: TimestampOrigin;
  startMs?: number;
  endMs?: number;
  createdAt: number;
  expiresAt: number;
  maxFragments: number;
  discontinuity: 'ALWAYS' | 'NEVER' | 'ON_DISCONTINUITY';
  showTimestamps: boolean;
}

// LIVE needs a fragment this recent to open a session (API reference: "within the last 30 seconds").
const LIVE_RECENT_MS = 30_000;
const MAX_ON_DEMAND_MS = 24 * 3600 * 1000;
// A gap this long between one fragment's end and the next one's start is a discontinuity.
const GAP_MS = 1_000;
// Open sessions are bounded; the oldest is dropped first (KVS limits sessions per stream too).
const MAX_SESSIONS = 500;

function invalid(message: string): ServiceError {
  return new ServiceError(400, 'InvalidArgumentException', message);
}

function oneOf<T extends string>(
  body: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = optionalString(body, key) ?? fallback;
  if (!allowed.includes(v as T)) throw invalid(`${key} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export class HlsSessions {
  readonly #sessions = new Map<string, Session>();

  constructor(private readonly ctx: HlsContext) {}

  /** GetHLSStreamingSessionURL. */
  open(body: Record<string, unknown>): { HLSStreamingSessionURL: string } {
    const stream = findArchivedStream(this.ctx, body);
    const mode = oneOf(body, 'PlaybackMode', ['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'] as const, 'LIVE');
    const container = oneOf(
      body,
      'ContainerFormat',
      ['FRAGMENTED_MP4', 'MPEG_TS'] as const,
      'FRAGMENTED_MP4',
    );
    if (container === 'MPEG_TS')
      throw invalid('ContainerFormat MPEG_TS is not emulated by the local cloud; use FRAGMENTED_MP4');
    const discontinuity = oneOf(
      body,
      'DiscontinuityMode',
      ['ALWAYS', 'NEVER', 'ON_DISCONTINUITY'] as const,
      'ALWAYS',
    );
    const display = oneOf(body, 'DisplayFragmentTimestamp', ['ALWAYS', 'NEVER'] as const, 'NEVER');
    const expires = body.Expires ?? 300;
    if (typeof expires !== 'number' || !Number.isInteger(expires) || expires < 300 || expires > 43200)
      throw invalid('Expires must be an integer from 300 to 43200 seconds');
    const maxDefault = mode === 'ON_DEMAND' ? 1000 : 5;
    const max = body.MaxMediaPlaylistFragmentResults ?? maxDefault;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 5000)
      throw invalid('MaxMediaPlaylistFragmentResults must be an integer from 1 to 5000');
    if (stream.DataRetentionInHours === 0) {
      throw new ServiceError(
        400,
        'NoDataRetentionException',
        `Stream ${stream.StreamName} does not retain data (DataRetentionInHours is 0)`,
      );
    }
    const selector = body.HLSFragmentSelector as Record<string, unknown> | undefined;
    const type = selector?.FragmentSelectorType ?? 'SERVER_TIMESTAMP';
    if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP')
      throw invalid('FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP');
    const origin: TimestampOrigin = type === 'PRODUCER_TIMESTAMP' ? 'producer' : 'server';
    const range = selector?.TimestampRange as Record<string, unknown> | undefined;
    const startMs = epochSecondsField(range?.StartTimestamp, 'StartTimestamp');
    const endMs = epochSecondsField(range?.EndTimestamp, 'EndTimestamp');
    const now = Date.now();
    if (mode === 'LIVE') {
      if (startMs !== undefined || endMs !== undefined)
        throw invalid('TimestampRange must not be set when PlaybackMode is LIVE');
      const recent = this.ctx.fragments(stream.StreamName, {
        timestamp: 'server',
        startMs: now - LIVE_RECENT_MS,
      });
      if (recent.length === 0)
        throw new ServiceError(
          404,
          'ResourceNotFoundException',
          `No fragments found in the last 30 seconds of stream ${stream.StreamName}`,
        );
    } else {
      if (startMs === undefined) throw invalid(`StartTimestamp is required when PlaybackMode is ${mode}`);
      if (mode === 'ON_DEMAND' && endMs === undefined)
        throw invalid('EndTimestamp is required when PlaybackMode is ON_DEMAND');
      if (endMs !== undefined && endMs <= startMs)
        throw invalid('EndTimestamp must be later than StartTimestamp');
      if (mode === 'ON_DEMAND' && endMs! - startMs > MAX_ON_DEMAND_MS)
        throw invalid('the ON_DEMAND range must not be longer than 24 hours');
      const found = this.ctx.fragments(stream.StreamName, {
        timestamp: origin,
        startMs,
        ...(endMs !== undefined && { endMs }),
      });
      if (found.length === 0)
        throw new ServiceError(
          404,
          'ResourceNotFoundException',
          `No fragments found in the requested time range of stream ${stream.StreamName}`,
        );
    }
    const token = randomBytes(24).toString('base64url');
    this.#evict(now);
    this.#sessions.set(token, {
      token,
      stream: stream.StreamName,
      mode,
      origin,
      ...(startMs !== undefined && { startMs }),
      ...(endMs !== undefined && { endMs }),
      createdAt: now,
      expiresAt: now + expires * 1000,
      maxFragments: max,
      discontinuity,
      showTimestamps: display === 'ALWAYS',
    });
    return {
      HLSStreamingSessionURL: `${this.ctx.endpoint()}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=${token}`,
    };
  }

  #evict(now: number): void {
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
  }

  #session(query: URLSearchParams): Session {
    const token = query.get('SessionToken');
    const s = token === null ? undefined : this.#sessions.get(token);
    if (s === undefined)
      throw new ServiceError(400, 'InvalidArgumentException', 'SessionToken is missing or unknown');
    if (s.expiresAt <= Date.now()) {
      this.#sessions.delete(s.token);
      throw new ServiceError(403, 'NotAuthorizedException', 'The session token has expired');
    }
    return s;
  }

  /** All fragments the session can reach, oldest first, and the window the media playlist shows now. */
  #window(s: Session): { all: StoredFragment[]; from: number; to: number; ended: boolean } {
    const now = Date.now();
    if (s.mode === 'LIVE') {
      const all = this.ctx.fragments(s.stream, { timestamp: 'producer' });
      return { all, from: Math.max(0, all.length - s.maxFragments), to: all.length, ended: false };
    }
    const all = this.ctx.fragments(s.stream, {
      timestamp: s.origin,
      startMs: s.startMs!,
      ...(s.endMs !== undefined && { endMs: s.endMs }),
    });
    if (s.mode === 'ON_DEMAND')
      return { all, from: 0, to: Math.min(all.length, s.maxFragments), ended: true };
    // LIVE_REPLAY: the window slides forward at playback pace from the session's creation.
    let played = 0;
    let elapsed = now - s.createdAt;
    while (played < all.length - 1 && elapsed >= all[played]!.durationMs) {
      elapsed -= all[played]!.durationMs;
      played++;
    }
    const to = Math.min(all.length, played + s.maxFragments);
    const ended =
      s.endMs !== undefined && to === all.length && (all.at(-1)?.producerTimestampMs ?? 0) <= s.endMs;
    return { all, from: Math.max(0, to - s.maxFragments), to, ended: ended && s.endMs! < now };
  }

  #tracks(s: Session, f: StoredFragment): MkvTrack[] {
    const m = this.ctx.media(s.stream, f.fragmentNumber);
    if (m === undefined)
      throw new ServiceError(404, 'ResourceNotFoundException', `fragment ${f.fragmentNumber} is gone`);
    return supportedTracks(readHeader(m.header).tracks);
  }

  masterPlaylist(query: URLSearchParams): string {
    const s = this.#session(query);
    const { all, from } = this.#window(s);
    const first = all[from];
    if (first === undefined)
      throw new ServiceError(404, 'ResourceNotFoundException', 'No fragments in this session');
    const tracks = this.#tracks(s, first);
    const video = tracks.find((t) => t.type === 1);
    const bandwidth = Math.max(1, Math.round((first.sizeBytes * 8 * 1000) / Math.max(first.durationMs, 1)));
    const attrs = [
      `BANDWIDTH=${bandwidth}`,
      `CODECS="${tracks.map(codecString).join(',')}"`,
      ...(video && video.width > 0 ? [`RESOLUTION=${video.width}x${video.height}`] : []),
    ];
    return [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      `#EXT-X-STREAM-INF:${attrs.join(',')}`,
      `getHLSMediaPlaylist.m3u8?SessionToken=${s.token}`,
      '',
    ].join('\n');
  }

  mediaPlaylist(query: URLSearchParams): string {
    const s = this.#session(query);
    const { all, from, to, ended } = this.#window(s);
    const shown = all.slice(from, to);
    const lengths = shown.map((f, i) => {
      const next = all[from + i + 1];
      const gapless =
        next !== undefined && next.producerTimestampMs - (f.producerTimestampMs + f.durationMs) < GAP_MS;
      return (
        (gapless ? next.producerTimestampMs - f.producerTimestampMs : f.durationMs + frameStep(f)) / 1000
      );
    });
    const target = Math.max(1, Math.ceil(Math.max(0, ...lengths)));
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${target}`,
      `#EXT-X-MEDIA-SEQUENCE:${from}`,
      ...(s.mode === 'ON_DEMAND' ? ['#EXT-X-PLAYLIST-TYPE:VOD'] : []),
      `#EXT-X-MAP:URI="getMP4InitFragment.mp4?SessionToken=${s.token}"`,
    ];
    shown.forEach((f, i) => {
      const prev = all[from + i - 1];
      if (i > 0 || from > 0) {
        const gap =
          prev !== undefined &&
          f.producerTimestampMs - (prev.producerTimestampMs + prev.durationMs) >= GAP_MS;
        if (s.discontinuity === 'ALWAYS' || (s.discontinuity === 'ON_DISCONTINUITY' && gap))
          lines.push('#EXT-X-DISCONTINUITY');
      }
      if (s.showTimestamps) {
        const at = s.origin === 'server' ? f.serverTimestampMs : f.producerTimestampMs;
        lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(at).toISOString()}`);
      }
      lines.push(`#EXTINF:${lengths[i]!.toFixed(3)},`);
      lines.push(`getMP4MediaFragment.mp4?SessionToken=${s.token}&FragmentNumber=${f.fragmentNumber}`);
    });
    if (ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }

  initFragment(query: URLSearchParams): Buffer {
    const s = this.#session(query);
    const { all, from } = this.#window(s);
    const first = all[from];
    if (first === undefined)
      throw new ServiceError(404, 'ResourceNotFoundException', 'No fragments in this session');
    return remux(() => initSegment(this.#tracks(s, first)));
  }

  mediaFragment(query: URLSearchParams): Buffer {
    const s = this.#session(query);
    const number = query.get('FragmentNumber');
    const { all } = this.#window(s);
    const index = all.findIndex((f) => f.fragmentNumber === number);
    if (index < 0)
      throw new ServiceError(
        404,
        'ResourceNotFoundException',
        `Fragment ${number} is not part of this session`,
      );
    return this.fragmentMp4(s.stream, all, index);
  }

  /**
   * moof + mdat of all[index], with track ids as in the init segment of the same header. Decode times are
   * producer times minus `originMs` (0 for HLS, which keeps the producer timeline; the clip's start for
   * GetClip, whose MP4 starts at zero).
   */
  fragmentMp4(stream: string, all: StoredFragment[], index: number, originMs = 0): Buffer {
    const f = all[index]!;
    const next = all[index + 1];
    const m = this.ctx.media(stream, f.fragmentNumber);
    if (m === undefined)
      throw new ServiceError(404, 'ResourceNotFoundException', `fragment ${f.fragmentNumber} is gone`);
    return remux(() => {
      const header = readHeader(m.header);
      const frames = readCluster(m.cluster, header.timecodeScaleNs);
      const gapless =
        next !== undefined && next.producerTimestampMs - (f.producerTimestampMs + f.durationMs) < GAP_MS;
      return mediaSegment(
        supportedTracks(header.tracks),
        frames,
        index + 1,
        f.producerTimestampMs - originMs,
        gapless ? next.producerTimestampMs - originMs : undefined,
      );
    });
  }

  close(): void {
    this.#sessions.clear();
  }
}

function frameStep(f: StoredFragment): number {
  return f.frameCount > 1 ? f.durationMs / (f.frameCount - 1) : 0;
}

function remux(make: () => Buffer): Buffer {
  try {
    return make();
  } catch (err) {
    if (err instanceof RemuxError)
      throw new ServiceError(400, 'InvalidCodecPrivateDataException', err.message);
    throw err;
  }
}
