import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { routeConnection } from './v5bridge.js';

export interface MqttOptions {
  host?: string;
  port?: number;
  log?: Logger;
}

/** Called for each message on a subscribed filter; errors are logged, never thrown at the broker. */
export type MqttMessageHandler = (topic: string, payload: Buffer) => void;

/** A running broker. */
export interface MqttBroker {
  readonly port: number;
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  readonly aedes: Aedes;
  publish(
    topic: string,
    payload: Buffer | string,
    options?: { qos?: 0 | 1; retain?: boolean },
  ): Promise<void>;
  /** In-process subscription (wildcards allowed); resolves once active, returns the unsubscribe. */
  subscribe(filter: string, handler: MqttMessageHandler): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export async function startMqttBroker(options: MqttOptions = {}): Promise<MqttBroker> {
  const host = options.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    routeConnection(socket, aedes, options.log);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // aedes runs a heartbeat timer from creation on; without this the process would never exit.
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: `mqtt://${host}:${port}`,
    aedes,
    publish(topic, payload, publishOptions = {}) {
      return new Promise((resolve, reject) => {
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
            qos: publishOptions.qos ?? 0,
            retain: publishOptions.retain ?? false,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        );
      });
    },
    subscribe(filter, handler) {
      const deliver = (packet: AedesPublishPacket, done: () => void) => {
        try {
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
          handler(packet.topic, payload);
        } catch (err) {
          options.log?.error({ err, topic: packet.topic }, 'in-process MQTT subscriber failed');
        }
        done();
      };
      return new Promise((resolve) => {
        aedes.subscribe(filter, deliver, () =>
          resolve(() => new Promise<void>((done) => aedes.unsubscribe(filter, deliver, () => done()))),
        );
      });
    },
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
      })();
      return stopped;
    },
  };
}
