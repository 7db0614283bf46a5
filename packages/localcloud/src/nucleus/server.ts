import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { FaultInjector } from '../http/index.js';
import { ConfigurationTree } from './config.js';
import { encode, Flags, FrameReader, MessageType, type RpcMessage } from './framing.js';

/** What the nucleus needs from the MQTT broker to stand in for IoT Core (the broker handle fits). */
export interface IotCoreBridge {
  publish(topic: string, payload: Buffer): Promise<void>;
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>>;
}

export interface NucleusOptions {
  /** Unix socket path; a fresh one under the temp folder when omitted. */
  socketPath?: string;
  /** The token components must present; random when omitted. */
  svcuid?: string;
  /** The component the client runs as (GetConfiguration without componentName reads its config). */
  componentName?: string;
  /** Initial configuration of componentName. */
  configuration?: Record<string, unknown>;
  iotCore?: IotCoreBridge;
  /**
   * aws.greengrass.SecretManager deployed beside the component: GetSecretValue answers from its local
   * cache, which it fills from Secrets Manager (this lookup) and keeps serving when Secrets Manager
   * cannot be reached. Omitted: the component is not deployed and GetSecretValue fails as it would.
   */
  secretManager?: SecretManagerSource;
  log?: Logger;
}

/** Where the SecretManager stand-in syncs secrets from (the local Secrets Manager's store). */
export interface SecretManagerSource {
  /** The secret's current value and ids; throws when Secrets Manager cannot answer. */
  fetch(secretId: string): { arn: string; versionId: string; secretString: string };
  /** False while the device is offline: only the cache answers. */
  reachable(): boolean;
}

/** One message a component published on the local publish/subscribe bus (IPC PublishToTopic). */
export interface LocalMessage {
  topic: string;
  /** The jsonMessage's message, or undefined for a binary message. */
  json?: unknown;
  /** The binaryMessage's bytes, or undefined for a JSON message. */
  binary?: Buffer;
}

/**
 * A running nucleus stand-in. Emits 'state' (state string) on every UpdateState and 'local'
 * (LocalMessage) on every PublishToTopic.
 */
export interface Nucleus extends EventEmitter {
  readonly socketPath: string;
  readonly svcuid: string;
  readonly componentName: string;
  readonly configuration: ConfigurationTree;
  /** Every state the component reported with UpdateState, oldest first. */
  readonly reportedStates: readonly string[];
  /**
   * The latest local publish/subscribe messages, oldest first (the last LOCAL_MESSAGES_KEPT), standing
   * in for a subscriber such as aws.greengrass.Cloudwatch.
   */
  readonly localMessages: readonly LocalMessage[];
  /** Fault injection by operation name without namespace, e.g. "GetConfiguration"; codes are IPC error names. */
  readonly faults: FaultInjector;
  stop(): Promise<void>;
}

class IpcError extends Error {
  constructor(
    readonly model: string,
    message: string,
  ) {
    super(message);
  }
}

type Stream = { close?: () => void };

// Enough for a test to read a few minutes of a component's metrics; older ones are dropped so a long
// demo run cannot grow the stand-in without limit.
export const LOCAL_MESSAGES_KEPT = 1000;

export async function startNucleus(options: NucleusOptions = {}): Promise<Nucleus> {
  let ownDir: string | undefined;
  let socketPath = options.socketPath;
  if (socketPath === undefined) {
    ownDir = mkdtempSync(path.join(os.tmpdir(), 'gg-ipc-'));
    socketPath = path.join(ownDir, 'ipc.socket');
  }
  const svcuid = options.svcuid ?? randomBytes(16).toString('hex');
  const componentName = options.componentName ?? 'kvs-edge-connector';
  const configuration = new ConfigurationTree({ [componentName]: options.configuration ?? {} });
  const faults = new FaultInjector();
  const reportedStates: string[] = [];
  const localMessages: LocalMessage[] = [];
  const emitter = new EventEmitter();
  const connections = new Set<net.Socket>();
  const secretCache = new Map<string, { arn: string; versionId: string; secretString: string }>();
  const log = options.log;

  const server = net.createServer((socket) => {
    connections.add(socket);
    const reader = new FrameReader();
    const streams = new Map<number, Stream>();
    let connected = false;
    const send = (m: Parameters<typeof encode>[0]) => {
      if (!socket.destroyed) socket.write(encode(m));
    };
    const closeStreams = () => {
      for (const s of streams.values()) s.close?.();
      streams.clear();
    };
    socket.on('close', () => {
      connections.delete(socket);
      closeStreams();
    });
    socket.on('error', (err) => log?.debug({ err }, 'IPC connection error'));
    socket.on('data', (chunk: Buffer) => {
      let messages: RpcMessage[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        log?.warn({ err }, 'corrupt IPC frame; closing the connection');
        socket.destroy();
        return;
      }
      for (const m of messages) {
        if (m.type === MessageType.Connect) {
          let token: unknown;
          try {
            token = parse(m.body).authToken;
          } catch {
            token = undefined;
          }
          connected = token === svcuid;
          if (!connected) log?.warn('IPC client presented a wrong SVCUID');
          send({
            type: MessageType.ConnectAck,
            flags: connected ? Flags.ConnectionAccepted : 0,
            streamId: 0,
          });
          if (!connected) socket.end();
        } else if (!connected) {
          send({ type: MessageType.ProtocolError, flags: 0, streamId: 0 });
          socket.end();
        } else if (m.type === MessageType.Ping) {
          send({ type: MessageType.PingResponse, flags: 0, streamId: 0 });
        } else if (m.type === MessageType.ApplicationMessage && m.streamId !== 0) {
          if (m.operation === undefined) {
            // A later message on an open stream: the client closing it.
            if ((m.flags & Flags.TerminateStream) !== 0) {
              streams.get(m.streamId)?.close?.();
              streams.delete(m.streamId);
            }
            continue;
          }
          void handle(m, send, streams);
        }
      }
    });
  });

  async function handle(
    m: RpcMessage,
    send: (m: Parameters<typeof encode>[0]) => void,
    streams: Map<number, Stream>,
  ): Promise<void> {
    const op = (m.operation ?? '').replace(/^aws\.greengrass#/, '');
    const respond = (body: unknown, keepOpen = false) =>
      send({
        type: MessageType.ApplicationMessage,
        flags: keepOpen ? 0 : Flags.TerminateStream,
        streamId: m.streamId,
        modelType: `aws.greengrass#${op}Response`,
        body,
      });
    const event = (modelType: string, body: unknown) =>
      send({ type: MessageType.ApplicationMessage, flags: 0, streamId: m.streamId, modelType, body });
    try {
      try {
        faults.check(op);
      } catch (err) {
        throw new IpcError((err as { code: string }).code, (err as Error).message);
      }
      const req = parse(m.body);
      switch (op) {
        case 'GetConfiguration': {
          const component = str(req.componentName) ?? componentName;
          const keyPath = keys(req.keyPath);
          const value = configuration.get(component, keyPath);
          if (value === undefined) {
            throw new IpcError('ResourceNotFoundError', `Key not found: ${component} ${keyPath.join('/')}`);
          }
          // A leaf comes back as {lastKey: value}, as the real nucleus does.
          const isNode = typeof value === 'object' && value !== null && !Array.isArray(value);
          respond({
            componentName: component,
            value: isNode || keyPath.length === 0 ? value : { [keyPath.at(-1)!]: value },
          });
          return;
        }
        case 'UpdateConfiguration': {
          const valueToMerge = req.valueToMerge;
          if (typeof valueToMerge !== 'object' || valueToMerge === null) {
            throw new IpcError('InvalidArgumentsError', 'valueToMerge must be an object');
          }
          configuration.merge(componentName, keys(req.keyPath), valueToMerge as Record<string, unknown>);
          respond({});
          return;
        }
        case 'SubscribeToConfigurationUpdate': {
          const component = str(req.componentName) ?? componentName;
          const unsubscribe = configuration.subscribe(component, keys(req.keyPath), (c, keyPath) =>
            event('aws.greengrass#ConfigurationUpdateEvents', {
              configurationUpdateEvent: { componentName: c, keyPath },
            }),
          );
          streams.set(m.streamId, { close: unsubscribe });
          respond({}, true);
          return;
        }
        case 'SubscribeToIoTCore': {
          const filter = str(req.topicName);
          if (filter === undefined) throw new IpcError('InvalidArgumentsError', 'topicName is required');
          const bridge = requireBridge();
          const stream: Stream = {};
          streams.set(m.streamId, stream);
          const unsubscribe = await bridge.subscribe(filter, (topicName, payload) =>
            event('aws.greengrass#IoTCoreMessage', {
              message: { topicName, payload: payload.toString('base64') },
            }),
          );
          if (streams.get(m.streamId) !== stream) {
            // The client closed the stream while we were subscribing.
            await unsubscribe();
            return;
          }
          stream.close = () => void unsubscribe();
          respond({}, true);
          return;
        }
        case 'PublishToIoTCore': {
          const topic = str(req.topicName);
          if (topic === undefined) throw new IpcError('InvalidArgumentsError', 'topicName is required');
          const payload =
            typeof req.payload === 'string' ? Buffer.from(req.payload, 'base64') : Buffer.alloc(0);
          await requireBridge().publish(topic, payload);
          respond({});
          return;
        }
        case 'PublishToTopic': {
          // As the real nucleus (PubSubIPCEventStreamAgent.handlePublishToTopicRequest): a topic is
          // required and may hold no wildcard; with no subscriber the publish still succeeds.
          const topic = str(req.topic);
          if (topic === undefined)
            throw new IpcError('InvalidArgumentsError', 'Publish topic must not be null');
          if (/[+#*]/.test(topic)) {
            throw new IpcError('InvalidArgumentsError', 'Publish topic must not contain a wildcard.');
          }
          const message = (req.publishMessage ?? {}) as Record<string, unknown>;
          const json = message.jsonMessage as { message?: unknown } | undefined;
          const binary = message.binaryMessage as { message?: unknown } | undefined;
          const local: LocalMessage =
            json !== undefined
              ? { topic, json: json.message }
              : {
                  topic,
                  binary:
                    typeof binary?.message === 'string'
                      ? Buffer.from(binary.message, 'base64')
                      : Buffer.alloc(0),
                };
          localMessages.push(local);
          if (localMessages.length > LOCAL_MESSAGES_KEPT) localMessages.shift();
          emitter.emit('local', local);
          respond({});
          return;
        }
        case 'GetSecretValue': {
          const secretId = str(req.secretId);
          if (secretId === undefined) throw new IpcError('InvalidArgumentsError', 'secretId is required');
          const source = options.secretManager;
          if (!source) {
            throw new IpcError(
              'ServiceError',
              'aws.greengrass.SecretManager is not running on this core device (deploy it to use GetSecretValue)',
            );
          }
          // The real component syncs its configured secrets when it can, and answers from the cache.
          if (source.reachable()) {
            try {
              secretCache.set(secretId, source.fetch(secretId));
            } catch {
              // Unknown to Secrets Manager: only the cache can answer, and it answers not found.
            }
          }
          const cached = secretCache.get(secretId);
          if (!cached) throw new IpcError('ResourceNotFoundError', `Secret not found: ${secretId}`);
          respond({
            secretId: cached.arn,
            versionId: cached.versionId,
            versionStage: ['AWSCURRENT'],
            secretValue: { secretString: cached.secretString },
          });
          return;
        }
        case 'UpdateState': {
          const state = str(req.state);
          if (state !== 'RUNNING' && state !== 'ERRORED') {
            throw new IpcError(
              'InvalidArgumentsError',
              `state must be RUNNING or ERRORED, not ${String(req.state)}`,
            );
          }
          reportedStates.push(state);
          emitter.emit('state', state);
          respond({});
          return;
        }
        default:
          throw new IpcError('ServiceError', `operation not emulated by the local nucleus: ${op}`);
      }
    } catch (err) {
      const e = err instanceof IpcError ? err : new IpcError('ServiceError', String(err));
      log?.debug({ operation: op, error: e.model, message: e.message }, 'IPC operation failed');
      streams.delete(m.streamId);
      send({
        type: MessageType.ApplicationError,
        flags: Flags.TerminateStream,
        streamId: m.streamId,
        modelType: `aws.greengrass#${e.model}`,
        body: { message: e.message },
      });
    }
  }

  function requireBridge(): IotCoreBridge {
    if (options.iotCore === undefined)
      throw new IpcError('ServiceError', 'no MQTT broker is attached to the local nucleus');
    return options.iotCore;
  }

  // A socket file left by a killed run would make listen fail with EADDRINUSE.
  if (ownDir === undefined && existsSync(socketPath) && statSync(socketPath).isSocket()) rmSync(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Every component user may connect: the nucleus makes its socket readable and writable by all
  // (UnixPlatform.setIpcFilePermissions -> Permissions.setIpcSocketPermission); the SVCUID is the
  // access check.
  chmodSync(socketPath, 0o666);

  let stopped: Promise<void> | undefined;
  return Object.assign(emitter, {
    socketPath,
    svcuid,
    componentName,
    configuration,
    reportedStates,
    localMessages,
    faults,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of connections) socket.destroy();
        await closed;
        if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  });
}

function parse(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    throw new IpcError('InvalidArgumentsError', 'request body is not JSON');
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const keys = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
