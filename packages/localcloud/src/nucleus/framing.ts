import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { MessageHeaders } from '@smithy/types';

/** eventstream RPC message types and flags, as the CRT client uses them. */
export const MessageType = {
  ApplicationMessage: 0,
  ApplicationError: 1,
  Ping: 2,
  PingResponse: 3,
  Connect: 4,
  ConnectAck: 5,
  ProtocolError: 6,
  InternalError: 7,
} as const;
export const Flags = { ConnectionAccepted: 1, TerminateStream: 2 } as const;

// A frame's length is a u32; IPC messages are small, so a huge one means a broken peer.
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const codec = new EventStreamCodec(
  (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8'),
  (text: string) => new Uint8Array(Buffer.from(text, 'utf8')),
);

/** One decoded RPC message with the headers we act on pulled out. */
export interface RpcMessage {
  type: number;
  flags: number;
  streamId: number;
  operation?: string;
  body: Buffer;
}

function header(headers: MessageHeaders, name: string): unknown {
  return headers[name]?.value;
}

/** Splits a byte stream into eventstream frames. */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);

  /** Feed bytes; returns the complete messages now available. Throws on a corrupt frame. */
  push(chunk: Buffer): RpcMessage[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: RpcMessage[] = [];
    while (this.#buffer.length >= 4) {
      const total = this.#buffer.readUInt32BE(0);
      if (total > MAX_FRAME_BYTES || total < 16) throw new Error(`eventstream frame of ${total} bytes`);
      if (this.#buffer.length < total) break;
      const frame = this.#buffer.subarray(0, total);
      this.#buffer = this.#buffer.subarray(total);
      const { headers, body } = codec.decode(frame);
      const operation = header(headers, 'operation');
      out.push({
        type: Number(header(headers, ':message-type') ?? 0),
        flags: Number(header(headers, ':message-flags') ?? 0),
        streamId: Number(header(headers, ':stream-id') ?? 0),
        ...(typeof operation === 'string' && { operation }),
        body: Buffer.from(body),
      });
    }
    return out;
  }
}

/** Encode one message; `modelType` names the response/event/error shape (e.g. aws.greengrass#ServiceError). */
export function encode(message: {
  type: number;
  flags: number;
  streamId: number;
  modelType?: string;
  body?: unknown;
}): Uint8Array {
  const headers: MessageHeaders = {
    ':message-type': { type: 'integer', value: message.type },
    ':message-flags': { type: 'integer', value: message.flags },
    ':stream-id': { type: 'integer', value: message.streamId },
  };
  if (message.modelType !== undefined) {
    headers['service-model-type'] = { type: 'string', value: message.modelType };
    headers[':content-type'] = { type: 'string', value: 'application/json' };
  }
  const body = message.body === undefined ? new Uint8Array(0) : Buffer.from(JSON.stringify(message.body));
  return codec.encode({ headers, body });
}
