import { Duplex } from 'node:stream';
import type net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';

// Enough bytes to read a CONNECT's protocol level: fixed header (<= 5) + "MQTT" name (6) + level (1).
const SNIFF_BYTES = 12;
// A CONNECT must arrive quickly and small; anything else is not an MQTT client.
const MAX_SNIFF_BYTES = 1024;

// MQTT 3.1.1 CONNACK return codes -> MQTT 5 reason codes.
const CONNACK_REASON: Record<number, number> = { 0: 0, 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

/** The protocol level of a CONNECT at the start of `buf`, or undefined if more bytes are needed. */
function protocolLevel(buf: Buffer): number | undefined {
  let i = 1;
  // Remaining length is a 1-4 byte varint.
  while (i < buf.length && i < 5 && (buf[i]! & 0x80) !== 0) i++;
  const levelAt = i + 1 + 2 + 4;
  return buf.length > levelAt ? buf[levelAt] : undefined;
}

/** Hand a new TCP connection to aedes, through the MQTT 5 translator when the client speaks MQTT 5. */
export function routeConnection(socket: net.Socket, aedes: Aedes, log?: Logger): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const level = head.length >= SNIFF_BYTES || head.length > 8 ? protocolLevel(head) : undefined;
    if (level === undefined) {
      if (head.length > MAX_SNIFF_BYTES) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    if (level === 5) {
      bridgeV5(socket, head, aedes, log);
    } else {
      socket.unshift(head);
      aedes.handle(socket);
    }
  };
  socket.on('data', onData);
  socket.on('error', (err) => log?.debug({ err }, 'MQTT connection error'));
}

/**
 * Translate between an MQTT 5 client and aedes's MQTT 3.1.1. Properties are dropped on the way in
 * (user properties, expiry, topic aliases: we announce topicAliasMaximum 0 so clients do not use them),
 * and 3.1.1 acknowledgements gain the reason codes MQTT 5 requires on the way out.
 */
function bridgeV5(socket: net.Socket, head: Buffer, aedes: Aedes, log?: Logger): void {
  const fromClient = mqttPacket.parser({ protocolVersion: 5 });
  const fromBroker = mqttPacket.parser({ protocolVersion: 4 });
  // UNSUBACK in MQTT 5 carries one reason code per topic; remember how many each UNSUBSCRIBE had.
  const unsubscribeCounts = new Map<number, number>();

  const brokerSide = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      fromBroker.parse(chunk);
      callback();
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });

  fromClient.on('packet', (packet: Packet) => {
    const v4 = toV4(packet, unsubscribeCounts);
    if (v4 !== undefined) brokerSide.push(mqttPacket.generate(v4));
  });
  fromClient.on('error', (err) => {
    log?.debug({ err }, 'bad MQTT 5 packet from client');
    socket.destroy();
  });
  fromBroker.on('packet', (packet: Packet) => {
    socket.write(mqttPacket.generate(toV5(packet, unsubscribeCounts), { protocolVersion: 5 }));
  });
  socket.on('data', (chunk: Buffer) => fromClient.parse(chunk));
  socket.on('end', () => brokerSide.push(null));
  socket.on('close', () => brokerSide.destroy());
  aedes.handle(brokerSide);
  fromClient.parse(head);
  socket.resume();
}

function toV4(packet: Packet, unsubscribeCounts: Map<number, number>): Packet | undefined {
  if (packet.cmd === 'auth') return undefined;
  // Every MQTT 5-only field lives in `properties` or `reasonCode`; 3.1.1 has neither.
  const {
    properties: _p,
    reasonCode: _r,
    ...rest
  } = packet as Packet & { properties?: unknown; reasonCode?: number };
  const v4 = rest as Packet;
  switch (v4.cmd) {
    case 'connect':
      return {
        ...v4,
        protocolVersion: 4,
        protocolId: 'MQTT',
        ...(v4.will && { will: { ...v4.will, properties: undefined } }),
      };
    case 'subscribe':
      // No-local, retain-as-published and retain handling have no 3.1.1 equivalent.
      return { ...v4, subscriptions: v4.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
    case 'unsubscribe':
      unsubscribeCounts.set(v4.messageId ?? 0, v4.unsubscriptions.length);
      return v4;
    default:
      return v4;
  }
}

function toV5(packet: Packet, unsubscribeCounts: Map<number, number>): Packet {
  switch (packet.cmd) {
    case 'connack':
      return {
        cmd: 'connack',
        sessionPresent: packet.sessionPresent,
        reasonCode: CONNACK_REASON[packet.returnCode ?? 0] ?? 0x80,
        properties: {
          topicAliasMaximum: 0,
          maximumQoS: 1,
          retainAvailable: true,
          wildcardSubscriptionAvailable: true,
        },
      };
    case 'suback':
      // 3.1.1 failure is 0x80, which is also MQTT 5's "unspecified error".
      return { ...packet, granted: (packet.granted as number[]).map((g) => g) };
    case 'unsuback': {
      const count = unsubscribeCounts.get(packet.messageId ?? 0) ?? 1;
      unsubscribeCounts.delete(packet.messageId ?? 0);
      return { ...packet, granted: new Array<number>(count).fill(0) };
    }
    default:
      return packet;
  }
}
