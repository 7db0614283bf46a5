// The status in Prometheus text exposition format (version 0.0.4): per camera bytes, fragments,
// restarts, upload backlog, disk use and state; per process memory and event-loop delay. Names follow
// Prometheus conventions (base units, _total for counters).
import { ACK_LATENCY_BOUNDS } from './ack-latency.js';
import type { ComponentStatus } from './status.js';

type Sample = [labels: Record<string, string>, value: number];

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function sampleLine(name: string, labels: Record<string, string>, value: number): string {
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',');
  return `${name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

function family(name: string, type: 'gauge' | 'counter', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(sampleLine(name, labels, value));
  return lines.join('\n');
}

/** PutMedia ACK latency of live fragments, one histogram per camera and ACK kind. */
function ackLatencyFamily(status: ComponentStatus): string {
  const name = 'kvs_edge_camera_ack_latency_seconds';
  const lines = [
    `# HELP ${name} From the end of a live fragment to KVS's RECEIVED or PERSISTED acknowledgement.`,
    `# TYPE ${name} histogram`,
  ];
  for (const c of status.cameras) {
    if (!c.ackLatency) continue;
    for (const ack of ['received', 'persisted'] as const) {
      const h = c.ackLatency[ack];
      const labels = { camera: c.assetId, stream: c.streamName, ack };
      ACK_LATENCY_BOUNDS.forEach((bound, i) =>
        lines.push(sampleLine(`${name}_bucket`, { ...labels, le: String(bound) }, h.counts[i]!)),
      );
      lines.push(sampleLine(`${name}_bucket`, { ...labels, le: '+Inf' }, h.count));
      lines.push(sampleLine(`${name}_sum`, labels, h.sumSeconds));
      lines.push(sampleLine(`${name}_count`, labels, h.count));
    }
  }
  return lines.join('\n');
}

export function prometheusText(status: ComponentStatus): string {
  const cam = (c: ComponentStatus['cameras'][number]) => ({ camera: c.assetId, stream: c.streamName });
  const per = (pick: (c: ComponentStatus['cameras'][number]) => number): Sample[] =>
    status.cameras.map((c) => [cam(c), pick(c)]);
  const families = [
    family(
      'kvs_edge_camera_up',
      'gauge',
      'The camera source is running (1) or not (0).',
      per((c) => (c.state === 'streaming' ? 1 : 0)),
    ),
    family(
      'kvs_edge_camera_recording',
      'gauge',
      'Recording is wanted now.',
      per((c) => (c.record ? 1 : 0)),
    ),
    family(
      'kvs_edge_camera_live',
      'gauge',
      'Live streaming to KVS is wanted now.',
      per((c) => (c.live ? 1 : 0)),
    ),
    family(
      'kvs_edge_camera_written_bytes_total',
      'counter',
      'Bytes of video written to local storage.',
      per((c) => c.writtenBytes),
    ),
    family(
      'kvs_edge_camera_written_fragments_total',
      'counter',
      'Fragments written to local storage.',
      per((c) => c.writtenFragments),
    ),
    family(
      'kvs_edge_camera_dropped_fragments_total',
      'counter',
      'Fragments dropped because the disk fell behind.',
      per((c) => c.droppedFragments),
    ),
    family(
      'kvs_edge_camera_live_missing_fragments_total',
      'counter',
      'Live fragments that left RAM for the store while the uplink was slow and were never written there.',
      per((c) => c.liveMissingFromStore),
    ),
    family(
      'kvs_edge_camera_restarts_total',
      'counter',
      'Source pipeline restarts.',
      per((c) => c.restarts),
    ),
    family(
      'kvs_edge_camera_bytes_per_second',
      'gauge',
      'Incoming video bitrate in bytes per second.',
      per((c) => c.bytesPerSecond),
    ),
    family(
      'kvs_edge_camera_fragments_per_second',
      'gauge',
      'Incoming fragments per second.',
      per((c) => c.fragmentsPerSecond),
    ),
    family(
      'kvs_edge_camera_upload_backlog_seconds',
      'gauge',
      'Recorded video owed to KVS and not yet persisted there.',
      per((c) => c.backlogSeconds),
    ),
    family(
      'kvs_edge_camera_queued_uploads',
      'gauge',
      'Upload requests waiting.',
      per((c) => c.queuedUploads),
    ),
    family(
      'kvs_edge_camera_disk_bytes',
      'gauge',
      "Bytes of the camera's recordings on disk.",
      per((c) => c.diskBytes),
    ),
    family(
      'kvs_edge_camera_last_fragment_timestamp_seconds',
      'gauge',
      'End of the last recorded fragment (epoch seconds).',
      per((c) => (c.lastFragmentAt ? Date.parse(c.lastFragmentAt) / 1000 : 0)),
    ),
    ackLatencyFamily(status),
    family(
      'kvs_edge_cameras_skipped',
      'gauge',
      'Cameras under the hub that are not running (bad configuration or secret).',
      [[{}, status.skipped.length]],
    ),
    family('kvs_edge_store_bytes', 'gauge', 'Bytes of all recordings.', [[{}, status.store.totalBytes]]),
    family(
      'kvs_edge_store_free_bytes',
      'gauge',
      'Free bytes on the recordings file system.',
      status.store.freeBytes === undefined ? [] : [[{}, status.store.freeBytes]],
    ),
    family(
      'kvs_edge_store_denied',
      'gauge',
      'New video is refused (size cap with DENY_NEW_MEDIA, or disk full).',
      [[{}, status.store.denied ? 1 : 0]],
    ),
    family('kvs_edge_process_resident_memory_bytes', 'gauge', 'Resident set size of the component process.', [
      [{}, status.memory.rssBytes],
    ]),
    family('kvs_edge_process_heap_used_bytes', 'gauge', 'V8 heap in use.', [
      [{}, status.memory.heapUsedBytes],
    ]),
    family('kvs_edge_event_loop_delay_seconds', 'gauge', 'Event-loop delay percentiles since start.', [
      [{ quantile: '0.5' }, status.eventLoopDelayMs.p50 / 1000],
      [{ quantile: '0.99' }, status.eventLoopDelayMs.p99 / 1000],
      [{ quantile: '1' }, status.eventLoopDelayMs.max / 1000],
    ]),
    family('kvs_edge_uptime_seconds', 'gauge', 'Seconds since the component started.', [
      [{}, status.uptimeSeconds],
    ]),
  ];
  return `${families.join('\n')}\n`;
}
