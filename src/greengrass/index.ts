// Greengrass IPC adapter: the component's configuration, its updates, IoT Core subscriptions and
// publishes through the nucleus's MQTT proxy, local publish/subscribe (the aws.greengrass.Cloudwatch
// metrics component listens there), and the lifecycle state the nucleus reports to the cloud.
//
// Everything goes through aws-iot-device-sdk-v2's greengrasscoreipc client, which finds the nucleus
// from AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT and SVCUID (set by Greengrass for every
// component process; set by the local cloud's nucleus stand-in in tests).
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import type { Logger } from '../log/index.js';
import type { MessageHandler, Messaging, Unsubscribe } from '../mqtt/index.js';

type IpcClient = ReturnType<typeof greengrasscoreipc.createClient>;

export type ComponentState = 'RUNNING' | 'ERRORED';

/** True when this process was started by a Greengrass nucleus (or the local stand-in). */
export function underGreengrass(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.SVCUID && env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT);
}

/** One IPC connection per process, shared by configuration, messaging and state reporting. */
export class GreengrassIpc implements Messaging {
  readonly #client: IpcClient;
  readonly #log: Logger;
  readonly #streams = new Set<{ close(): Promise<void> }>();
  #closed = false;

  private constructor(client: IpcClient, log: Logger) {
    this.#client = client;
    this.#log = log;
  }

  static async connect(log: Logger): Promise<GreengrassIpc> {
    const client = greengrasscoreipc.createClient();
    await client.connect();
    return new GreengrassIpc(client, log);
  }

  /** The component's whole configuration object (keyPath [] is the root). */
  async getConfiguration(): Promise<unknown> {
    const response = await this.#client.getConfiguration({ keyPath: [] });
    return response.value ?? {};
  }

  /** Calls `onChange` after every deployment that changes this component's configuration. */
  async onConfigurationUpdate(onChange: (keyPath: string[]) => void): Promise<Unsubscribe> {
    const op = this.#client.subscribeToConfigurationUpdate({ keyPath: [] });
    op.on('message', (event) => {
      const update = event.configurationUpdateEvent;
      if (update) onChange(update.keyPath ?? []);
    });
    op.on('streamError', (err) => this.#log.warn({ err }, 'configuration update stream failed'));
    return this.#track(op, await op.activate());
  }

  async subscribe(topicFilter: string, handler: MessageHandler): Promise<Unsubscribe> {
    const op = this.#client.subscribeToIoTCore({
      topicName: topicFilter,
      qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE,
    });
    op.on('message', (event) => {
      const message = event.message;
      if (!message) return;
      handler(message.topicName, payloadBuffer(message.payload));
    });
    op.on('streamError', (err) => this.#log.warn({ err, topicFilter }, 'IoT Core subscription failed'));
    return this.#track(op, await op.activate());
  }

  /** QoS 1 to AWS IoT Core through the nucleus (it spools while the device is offline). */
  async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.#client.publishToIoTCore({
      topicName: topic,
      qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE,
      payload,
    });
  }

  /** A JSON message on the nucleus's local publish/subscribe bus (other components on the device). */
  async publishLocal(topic: string, message: unknown): Promise<void> {
    await this.#client.publishToTopic({ topic, publishMessage: { jsonMessage: { message } } });
  }

  /**
   * A secret's current string from aws.greengrass.SecretManager's on-device cache (works offline once
   * that component has synced it). Rejects when the component is not deployed, the secret is not in
   * its configuration, or this component is not authorized to read it.
   */
  async getSecretValue(secretId: string): Promise<string | undefined> {
    const out = await this.#client.getSecretValue({ secretId, versionStage: 'AWSCURRENT' });
    return out.secretValue?.secretString;
  }

  async updateState(state: ComponentState): Promise<void> {
    await this.#client.updateState({ state: greengrasscoreipc.model.ReportedLifecycleState[state] });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#streams].map((s) => s.close()));
    this.#streams.clear();
    await this.#client.close();
  }

  #track(op: { close(): Promise<void> }, _activated: unknown): Unsubscribe {
    this.#streams.add(op);
    return async () => {
      if (!this.#streams.delete(op)) return;
      await op.close();
    };
  }
}

function payloadBuffer(payload: unknown): Buffer {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload);
  if (payload instanceof ArrayBuffer) return Buffer.from(payload);
  if (ArrayBuffer.isView(payload)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.from(String(payload));
}
