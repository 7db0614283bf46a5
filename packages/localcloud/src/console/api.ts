// What the console page asks the server, answered the way the player would compute it.
import type { SiteWiseStore } from '../sitewise/index.js';
import { tqvMillis } from '../sitewise/values.js';
import { EDGE_VIDEO_COMPONENT_TYPE } from '../twinmaker/entities.js';
import type { TwinMakerStore } from '../twinmaker/entities.js';

export interface ConsoleCamera {
  key: string;
  workspaceId: string;
  entityId: string;
  componentName: string;
  name: string;
  assetId: string;
  streamName: string | undefined;
  requestPropertyId: string | undefined;
}

/** Every edge video component of every workspace, as a tile. */
export function cameras(twinmaker: TwinMakerStore, sitewise: SiteWiseStore): ConsoleCamera[] {
  const out: ConsoleCamera[] = [];
  for (const w of twinmaker.workspaces.values()) {
    for (const e of Object.values(w.entities)) {
      for (const [componentName, c] of Object.entries(e.components)) {
        if (c.componentTypeId !== EDGE_VIDEO_COMPONENT_TYPE) continue;
        const assetId = c.values.sitewiseAssetId?.stringValue;
        if (typeof assetId !== 'string' || !sitewise.assets.has(assetId)) continue;
        const asset = sitewise.asset(assetId);
        const prop = (name: string) =>
          sitewise.model(asset.modelId).properties.find((p) => p.name === name)?.id;
        const nameProp = prop('KinesisVideoStreamName');
        const latest =
          nameProp === undefined ? undefined : sitewise.series.get(`${assetId}/${nameProp}`)?.latest();
        out.push({
          key: `${w.workspaceId}/${e.entityId}/${componentName}`,
          workspaceId: w.workspaceId,
          entityId: e.entityId,
          componentName,
          name: e.entityName,
          assetId,
          streamName: latest?.value.stringValue,
          requestPropertyId: prop('VideoUploadRequest'),
        });
      }
    }
  }
  return out;
}

export interface Ranges {
  onEdge: { start: number; end: number }[];
  uploaded: { start: number; end: number }[];
  /** When `live` was last requested (the player re-sends it every 120 s while live). */
  liveRequestedAt: number | undefined;
}

/** The three ranges over [start, end], read from the properties the player reads. */
export function ranges(sitewise: SiteWiseStore, camera: ConsoleCamera, start: number, end: number): Ranges {
  const asset = sitewise.asset(camera.assetId);
  const prop = (name: string) => sitewise.model(asset.modelId).properties.find((p) => p.name === name)?.id;
  const series = (name: string) => {
    const id = prop(name);
    return id === undefined ? [] : (sitewise.series.get(`${camera.assetId}/${id}`)?.values ?? []);
  };
  const spans = (name: string) =>
    series(name)
      .filter((v) => v.quality === 'GOOD' && typeof v.value.doubleValue === 'number')
      .map((v) => ({ start: tqvMillis(v), end: v.value.doubleValue! * 1000 }))
      .filter((r) => r.end > r.start && r.end >= start && r.start <= end);
  const live = series('VideoUploadRequest')
    .filter((v) => v.value.stringValue?.toLowerCase() === 'live')
    .at(-1);
  return {
    onEdge: spans('CachedVideoAgeOutOnEdge'),
    uploaded: spans('VideoUploadedTimeRange'),
    liveRequestedAt: live === undefined ? undefined : tqvMillis(live),
  };
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const type =
      res.headers.get('x-amz-errortype') ?? res.headers.get('x-amzn-errortype') ?? String(res.status);
    throw Object.assign(new Error(String(json.Message ?? json.message ?? type)), {
      name: type.split(':')[0],
    });
  }
  return json;
}

/** The player's two calls: GetDataEndpoint, then GetHLSStreamingSessionURL with its parameters. */
export async function hlsSource(
  kvsEndpoint: string,
  streamName: string,
  mode: 'LIVE' | 'ON_DEMAND',
  start?: number,
  end?: number,
): Promise<string> {
  const { DataEndpoint } = await post(`${kvsEndpoint}/getDataEndpoint`, {
    StreamName: streamName,
    APIName: 'GET_HLS_STREAMING_SESSION_URL',
  });
  const body: Record<string, unknown> = { StreamName: streamName, PlaybackMode: mode, Expires: 1800 };
  if (mode === 'ON_DEMAND') {
    // The player's SDK sends Date values as whole epoch seconds.
    body.HLSFragmentSelector = {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: Math.round(start! / 1000), EndTimestamp: Math.round(end! / 1000) },
    };
  }
  const out = await post(`${String(DataEndpoint)}/getHLSStreamingSessionURL`, body);
  return String(out.HLSStreamingSessionURL);
}

/** VideoUploadRequest written exactly as the player writes it. */
export async function sendRequest(
  sitewiseEndpoint: string,
  camera: ConsoleCamera,
  value: string,
): Promise<void> {
  if (camera.requestPropertyId === undefined)
    throw new Error(`camera ${camera.name} has no VideoUploadRequest property`);
  const now = Date.now();
  const out = await post(`${sitewiseEndpoint}/properties`, {
    entries: [
      {
        entryId: 'liveVideo',
        assetId: camera.assetId,
        propertyId: camera.requestPropertyId,
        propertyValues: [
          {
            timestamp: { offsetInNanos: (now % 1000) * 1_000_000, timeInSeconds: now / 1000 },
            value: { stringValue: value },
            quality: 'GOOD',
          },
        ],
      },
    ],
  });
  const errors = out.errorEntries as unknown[] | undefined;
  if (errors !== undefined && errors.length > 0)
    throw new Error(`SiteWise refused the request: ${JSON.stringify(errors)}`);
}
