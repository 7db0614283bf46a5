// What a PutMedia session promises its caller: the limits KVS enforces, the real ErrorId -> ErrorCode
// table, the fragments and errors a session reports, and the rule violation that becomes an ERROR ACK.

/** Numbers the service enforces per fragment/session; tests lower them to exercise the rules cheaply. */
export interface KvsLimits {
  /** 4001 above this (50 MB on AWS). */
  maxFragmentBytes: number;
  /** 4002 when the frames of one fragment span more than this (20 s on AWS). */
  maxFragmentDurationMs: number;
  /** 4007 when a producer timestamp is later than now + this. */
  futureToleranceMs: number;
  /** 4012 above this. */
  maxTracks: number;
}

export const DEFAULT_LIMITS: KvsLimits = {
  maxFragmentBytes: 50 * 1024 * 1024,
  maxFragmentDurationMs: 20_000,
  futureToleranceMs: 1_000,
  maxTracks: 3,
};

/** A track as declared in the session's Tracks element. */
export interface DeclaredTrack {
  number: number;
  type: number | undefined;
  codecId: string | undefined;
}

/** A complete, accepted fragment: the Cluster bytes and the header they play with. */
export interface ParsedFragment {
  /** Cluster Timecode exactly as sent (echoed in ACKs). */
  timecode: number;
  producerTimestampMs: number;
  /** Span from the first to the last frame start. */
  durationMs: number;
  frameCount: number;
  keyframe: boolean;
  /** The Cluster element. */
  bytes: Buffer;
  /** Everything before the first Cluster: EBML header, Segment header, Info, Tracks. */
  header: Buffer;
  tracks: DeclaredTrack[];
  /** Fragment metadata from Tags elements sent before this cluster. */
  tags: Record<string, string>;
}

/** What a session reports, in order. */
export type SessionOutput =
  | { kind: 'buffering'; timecode: number }
  | { kind: 'fragment'; fragment: ParsedFragment }
  | { kind: 'error'; errorId: number; errorCode: string; message: string; timecode: number };

export const ERROR_CODES: Record<number, string> = {
  4000: 'STREAM_READ_ERROR',
  4001: 'MAX_FRAGMENT_SIZE_REACHED',
  4002: 'MAX_FRAGMENT_DURATION_REACHED',
  4003: 'MAX_CONNECTION_DURATION_REACHED',
  4004: 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
  4005: 'MORE_THAN_ONE_TRACK_FOUND',
  4006: 'INVALID_MKV_DATA',
  4007: 'INVALID_PRODUCER_TIMESTAMP',
  4008: 'STREAM_NOT_ACTIVE',
  4009: 'FRAGMENT_METADATA_LIMIT_REACHED',
  4010: 'TRACK_NUMBER_MISMATCH',
  4011: 'FRAMES_MISSING_FOR_TRACK',
  4012: 'MORE_THAN_ALLOWED_TRACKS_FOUND',
  5000: 'INTERNAL_ERROR',
  5001: 'ARCHIVAL_ERROR',
};

/** A rule the body broke; becomes one ERROR ACK. */
export class Violation extends Error {
  constructor(
    readonly errorId: number,
    message: string,
  ) {
    super(message);
  }
}
