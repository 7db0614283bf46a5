// Messaging seam: how SiteWise property notifications reach the connector, and how camera health
// leaves it (publish, QoS 1, to AWS IoT Core). Under Greengrass the
// nucleus proxies IoT Core (greengrass/ implements this over IPC); standalone, an MQTT 5 client talks
// to AWS IoT Core (mutual TLS) or to the local cloud's broker (plain TCP on loopback).
import { mqtt5, iot } from 'aws-iot-device-sdk-v2';
import { once } from 'node:events';
import type { Logger } from '../log/index.js';

export type MessageHandler = (topic: string, payload: Buffer) => void;
export type Unsubscribe = () => Promise<void>;

/**
 * What the request subscriptions need (subscribe to a topic filter, later unsubscribe) and what the
 * health publisher needs (publish to AWS IoT Core with QoS 1: resolves once the broker, or under
 * Greengrass the nucleus's spooler, has taken it).
 */
export interface Messaging {
  subscribe(topicFilter: string, handler: MessageHandler): Promise<Unsubscribe>;
  publish(topic: string, payload: string | Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface MqttOptions {
  /** mqtt://host:port (plain TCP, the local broker) or mqtts://endpoint:8883 (AWS IoT Core, mTLS). */
  url: string;
  clientId: string;
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  connectTimeoutMs?: number;
}

/** MQTT 5 messaging through aws-iot-device-sdk-v2, for running outside Greengrass. */
export class Mqtt5Messaging implements Messaging {
  readonly #client: mqtt5.Mqtt5Client;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  #closed = false;

  private constructor(client: mqtt5.Mqtt5Client, log: Logger) {
    this.#client = client;
    client.on('messageReceived', (event) => {
      const { topicName, payload } = event.message;
      const body = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload as ArrayBuffer);
      for (const [filter, handlers] of this.#handlers) {
        if (!topicMatches(filter, topicName)) continue;
        for (const handler of handlers) handler(topicName, body);
      }
    });
    client.on('disconnection', (event) => log.warn({ err: event.error }, 'MQTT disconnected; reconnecting'));
    client.on('error', (err) => log.warn({ err }, 'MQTT client error'));
  }

  static async connect(options: MqttOptions, log: Logger): Promise<Mqtt5Messaging> {
    const url = new URL(options.url);
    let config: mqtt5.Mqtt5ClientConfig;
    if (url.protocol === 'mqtts:') {
      if (!options.certPath || !options.keyPath) {
        throw new Error(
          'MQTT over TLS (mqtts://) needs a device certificate and key: set certPath and keyPath',
        );
      }
      const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
        url.hostname,
        options.certPath,
        options.keyPath,
      );
      if (options.caPath) builder.withCertificateAuthorityFromPath(undefined, options.caPath);
      builder.withConnectProperties({ clientId: options.clientId, keepAliveIntervalSeconds: 60 });
      config = builder.build();
    } else if (url.protocol === 'mqtt:') {
      config = {
        hostName: url.hostname,
        port: Number(url.port || 1883),
        connectProperties: { clientId: options.clientId, keepAliveIntervalSeconds: 60 },
      };
    } else {
      throw new Error(`unsupported MQTT URL scheme "${url.protocol}": use mqtt:// or mqtts://`);
    }
    const client = new mqtt5.Mqtt5Client(config);
    const messaging = new Mqtt5Messaging(client, log);
    const connected = once(client, 'connectionSuccess');
    const failed = once(client, 'connectionFailure').then(([event]) => {
      throw new Error(
        `cannot connect to MQTT broker ${url.host}: ${(event as { error: Error }).error.message}`,
      );
    });
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`MQTT broker ${url.host} did not accept a connection in time`)),
        options.connectTimeoutMs ?? 10000,
      );
      timer.unref();
    });
    client.start();
    try {
      await Promise.race([connected, failed, timeout]);
    } catch (err) {
      await messaging.close();
      throw err;
    }
    return messaging;
  }

  async subscribe(topicFilter: string, handler: MessageHandler): Promise<Unsubscribe> {
    let handlers = this.#handlers.get(topicFilter);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(topicFilter, handlers);
      await this.#client.subscribe({ subscriptions: [{ topicFilter, qos: mqtt5.QoS.AtLeastOnce }] });
    }
    handlers.add(handler);
    return async () => {
      const set = this.#handlers.get(topicFilter);
      if (!set?.delete(handler) || set.size > 0) return;
      this.#handlers.delete(topicFilter);
      if (!this.#closed) await this.#client.unsubscribe({ topicFilters: [topicFilter] });
    };
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    if (this.#closed) throw new Error('MQTT connection is closed');
    await this.#client.publish({ topicName: topic, qos: mqtt5.QoS.AtLeastOnce, payload });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    const stopped = once(this.#client, 'stopped');
    this.#client.stop();
    await stopped;
    this.#client.close();
  }
}

/** MQTT topic filter matching with + and # wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
