// Observing a running component from the device: a local status endpoint (loopback HTTP) that
// `kvs-edge status` reads and Prometheus scrapes.
//
// - status: ComponentStatus put together on demand from the owners' read-only queries (each camera's
//   snapshot from the connector, ranges and sizes from the store) plus process memory and event-loop
//   delay; ranges are capped so every answer stays small.
// - metrics: the same status in Prometheus text format.
// - ack-latency: per camera, live fragment end -> KVS RECEIVED / PERSISTED, from the uploaders' events.
// - server: GET /status, /metrics, /healthz on 127.0.0.1 (KVS_EDGE_STATUS_PORT, default 8970; 0 picks a
//   free port, "off" disables it); capped connections and timeouts.
export {
  MAX_RANGES,
  StatusBuilder,
  type CameraStatusView,
  type ComponentStatus,
  type RangeView,
  type StatusSources,
} from './status.js';
export { prometheusText } from './metrics.js';
export {
  ACK_LATENCY_BOUNDS,
  AckLatency,
  type AckEvents,
  type AckKind,
  type LatencyHistogram,
} from './ack-latency.js';
export { DEFAULT_STATUS_PORT, startStatusServer, type StatusServer } from './server.js';

/** The status port from KVS_EDGE_STATUS_PORT: a number, or undefined for "off". */
export function statusPortFrom(env: NodeJS.ProcessEnv, fallback: number): number | undefined {
  const text = env.KVS_EDGE_STATUS_PORT?.trim();
  if (text === undefined || text === '') return fallback;
  if (text.toLowerCase() === 'off') return undefined;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(
      `KVS_EDGE_STATUS_PORT "${text}" is not a port: use 0-65535, or "off" to disable the status endpoint`,
    );
  }
  return port;
}
