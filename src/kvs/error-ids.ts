// What each PutMedia ERROR ACK means for the uploader (kvs-putmedia.md §1.6). Retriable ids
// reconnect and resend from the first fragment not PERSISTED; all others skip the fragment they name.

/** How the uploader reacts to one ErrorId. */
export interface AckErrorAction {
  /** Reconnect and resend (true) or skip the fragment the ACK names (false). */
  retriable: boolean;
  /** What the operator should do, one sentence, used in the logged reason. */
  advice: string;
}

const TABLE: Record<number, AckErrorAction> = {
  4000: { retriable: true, advice: 'the service could not read the request stream; resending' },
  4001: { retriable: false, advice: 'fragment larger than 50 MB; lower the camera bitrate or GOP length' },
  4002: {
    retriable: false,
    advice: 'fragment longer than KVS allows; shorten the camera GOP (keyframe interval)',
  },
  4003: { retriable: true, advice: 'connection reached its maximum duration; opening a new one' },
  4004: {
    retriable: false,
    advice: 'fragment timecode not after the previous one; check the camera clock/timestamps',
  },
  4005: { retriable: false, advice: 'more than one track where one was expected' },
  4006: { retriable: false, advice: 'the service could not parse the Matroska data of this fragment' },
  4007: {
    retriable: false,
    advice: 'producer timestamp rejected (in the future?); sync the device clock with NTP',
  },
  4008: { retriable: false, advice: 'the stream is not active; check that it exists in KVS' },
  4009: { retriable: false, advice: 'too many or too long fragment metadata tags' },
  4010: { retriable: false, advice: 'a block names a track the header does not declare' },
  4011: { retriable: false, advice: 'a declared track has no frame in this fragment' },
  4012: { retriable: false, advice: 'more than three tracks' },
  4500: { retriable: false, advice: 'KMS key access denied; fix the stream key policy' },
  4501: { retriable: false, advice: 'KMS key disabled; enable it' },
  4502: { retriable: false, advice: 'KMS key validation error' },
  4503: { retriable: false, advice: 'KMS key unavailable' },
  4504: { retriable: false, advice: 'KMS key has an invalid usage' },
  4505: { retriable: false, advice: 'KMS key in an invalid state' },
  4506: { retriable: false, advice: 'KMS key not found' },
  4507: { retriable: false, advice: 'the stream was deleted' },
  5000: { retriable: true, advice: 'KVS internal error; resending' },
  5001: { retriable: true, advice: 'KVS failed to persist the fragment; resending' },
};

/** The action for an ErrorId; unknown ids are treated as retriable (resending is the safe side). */
export function ackErrorAction(errorId: number): AckErrorAction {
  return TABLE[errorId] ?? { retriable: true, advice: `unknown ErrorId ${errorId}; resending` };
}
