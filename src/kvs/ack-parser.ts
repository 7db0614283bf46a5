// Streaming parser for the PutMedia response body: a sequence of JSON objects with no separator,
// arbitrarily split and batched by HTTP chunking and proxies. A character state machine finds each
// balanced {...} (braces inside strings and escaped quotes do not count) and JSON-parses it alone.
import { StringDecoder } from 'node:string_decoder';
import { AckParseError } from './errors.js';

/** The ACK kinds the service sends (kvs-putmedia.md §1.5). */
export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

/** One acknowledgement object from the PutMedia response. */
export interface Ack {
  eventType: AckEventType;
  /** The cluster timecode as sent (epoch ms with ABSOLUTE timecodes); absent on IDLE. */
  fragmentTimecode?: number;
  /** A ~47-digit decimal number; kept as the string the service sent. */
  fragmentNumber?: string;
  errorId?: number;
  errorCode?: string;
}

// PIC caps one ACK at 1024 characters; real ones are ~150. Anything far larger is not an ACK stream
// and must not make us buffer without bound.
const MAX_ACK_CHARS = 16 * 1024;
const EVENT_TYPES: ReadonlySet<string> = new Set(['BUFFERING', 'RECEIVED', 'PERSISTED', 'ERROR', 'IDLE']);

/** Push bytes in, get complete ACKs out; keeps the partial object between pushes. */
export class AckParser {
  readonly #decoder = new StringDecoder('utf8');
  #current = '';
  #depth = 0;
  #inString = false;
  #escaped = false;

  /** Feeds one chunk and returns the ACKs it completed. Throws AckParseError on garbage. */
  push(chunk: Buffer | string): Ack[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const out: Ack[] = [];
    let start = this.#depth > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (this.#depth === 0) {
        if (c === 0x7b /* { */) {
          this.#depth = 1;
          start = i;
        } else if (!isWhitespace(c)) {
          throw new AckParseError(`unexpected character ${JSON.stringify(text[i])} between PutMedia ACKs`);
        }
        continue;
      }
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c /* \ */) this.#escaped = true;
        else if (c === 0x22 /* " */) this.#inString = false;
        continue;
      }
      if (c === 0x22) this.#inString = true;
      else if (c === 0x7b) this.#depth += 1;
      else if (c === 0x7d /* } */) {
        this.#depth -= 1;
        if (this.#depth === 0) {
          const json = this.#current + text.slice(start, i + 1);
          this.#current = '';
          start = -1;
          out.push(toAck(json));
        }
      }
    }
    if (this.#depth > 0 && start >= 0) {
      this.#current += text.slice(start);
      if (this.#current.length > MAX_ACK_CHARS) {
        throw new AckParseError(`PutMedia ACK longer than ${MAX_ACK_CHARS} characters; not an ACK stream`);
      }
    }
    return out;
  }

  /** True when a partial object is waiting for more bytes. */
  get pending(): boolean {
    return this.#depth > 0;
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function toAck(json: string): Ack {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new AckParseError(`PutMedia ACK is not valid JSON: ${json.slice(0, 200)}`);
  }
  const o = raw as Record<string, unknown>;
  const eventType = o.EventType;
  if (typeof eventType !== 'string' || !EVENT_TYPES.has(eventType)) {
    throw new AckParseError(`PutMedia ACK without a known EventType: ${json.slice(0, 200)}`);
  }
  const ack: Ack = { eventType: eventType as AckEventType };
  if (typeof o.FragmentTimecode === 'number') ack.fragmentTimecode = o.FragmentTimecode;
  // The number is 158 bits wide: a JSON number would lose digits, so only the string form is kept.
  if (typeof o.FragmentNumber === 'string') ack.fragmentNumber = o.FragmentNumber;
  if (typeof o.ErrorId === 'number') ack.errorId = o.ErrorId;
  if (typeof o.ErrorCode === 'string') ack.errorCode = o.ErrorCode;
  return ack;
}
