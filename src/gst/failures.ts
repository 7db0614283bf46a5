// What went wrong with a camera, in a handful of classes an operator can act on. Failures come from two
// places: our own RTSP DESCRIBE probe (status codes and socket errors) and the messages of the GStreamer
// child (ERROR/WARNING lines). Both end up as a CameraFailure with one actionable sentence.

/** The failure classes health reports; callers branch on these. */
export type FailureClass =
  'unauthorized' | 'not-found' | 'unreachable' | 'timeout' | 'unsupported-codec' | 'other';

/** Classes that need an operator (credentials, path, codec): the camera will not heal by itself. */
export const PERMANENT_FAILURES: ReadonlySet<FailureClass> = new Set([
  'unauthorized',
  'not-found',
  'unsupported-codec',
]);

/** A classified camera failure; `message` is already redacted and says what to do. */
export class CameraFailure extends Error {
  readonly code: FailureClass;
  /** Redacted tail of the child's output, for the `other` class. */
  readonly detail: string | undefined;

  constructor(code: FailureClass, message: string, detail?: string) {
    super(message);
    this.name = 'CameraFailure';
    this.code = code;
    this.detail = detail;
  }
}

/** Where the URL lives, named in sentences so the operator knows what to fix. */
export interface FailureContext {
  /** e.g. a Secrets Manager ARN; defaults to "the camera's RTSP URL". */
  urlRef?: string;
}

function where(ctx: FailureContext): string {
  return ctx.urlRef ? `the RTSP URL in ${ctx.urlRef}` : "the camera's RTSP URL";
}

/** The one sentence per class; `what` adds the specific observation. */
export function failureFor(
  code: FailureClass,
  ctx: FailureContext,
  what?: string,
  detail?: string,
): CameraFailure {
  const sentences: Record<FailureClass, string> = {
    unauthorized: `camera rejected the user name or password (401): check ${where(ctx)}`,
    'not-found': `camera has no stream at this path (404): check the path in ${where(ctx)}`,
    unreachable: `camera is unreachable or refused the connection${what ? ` (${what})` : ''}: check that it is powered, on the network, and that host and port in ${where(ctx)} are right`,
    timeout: `camera stopped answering${what ? ` (${what})` : ''}: check its network link and load; the source keeps retrying`,
    'unsupported-codec': `camera sends ${what ?? 'a codec'} which cannot be recorded without transcoding: set the camera's stream to H.264 or H.265`,
    other: `camera pipeline failed${what ? `: ${what}` : ''}; see the detail for GStreamer's message`,
  };
  return new CameraFailure(code, sentences[code], detail);
}

// Ordered: the first pattern that matches wins, so the specific causes come before the generic ones.
const PATTERNS: [RegExp, FailureClass][] = [
  [/\b401\b|Unauthori[sz]ed|Not authorized/i, 'unauthorized'],
  [/\b404\b|Not Found/i, 'not-found'],
  [/GstRTSPSrcTimeout|timed? ?out|Timeout/i, 'timeout'],
  [/not-linked|not-negotiated|no suitable plugins|missing plugin|could not link/i, 'unsupported-codec'],
  [
    /Could not connect|Connection refused|Could not open resource|Could not resolve|No route to host|Network is unreachable|server closed connection|Could not read from resource|Could not write to resource/i,
    'unreachable',
  ],
];

/** Classify the ERROR text of a GStreamer child; `text` must already be redacted. */
export function classifyGstError(text: string, ctx: FailureContext): CameraFailure {
  const firstError = /ERROR: (?:from element [^:]*: )?(.*)/.exec(text)?.[1]?.trim();
  for (const [pattern, code] of PATTERNS) {
    if (pattern.test(text)) {
      const what = code === 'unsupported-codec' ? 'a stream GStreamer cannot depayload or mux' : firstError;
      return failureFor(code, ctx, what, text);
    }
  }
  return failureFor('other', ctx, firstError, text);
}

/** Classify a socket error from the DESCRIBE probe (ECONNREFUSED, ENOTFOUND, ...). */
export function classifySocketError(err: NodeJS.ErrnoException, ctx: FailureContext): CameraFailure {
  if (err.code === 'ETIMEDOUT') return failureFor('timeout', ctx, 'no answer to RTSP DESCRIBE');
  return failureFor('unreachable', ctx, err.code ?? err.message);
}
