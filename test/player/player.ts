// The real TwinMaker video player's data object (@iot-app-kit/source-iottwinmaker `videoData`), built
// with the AWS SDK clients of the versions the player package itself depends on (resolved from its own
// folder), pointed at the local cloud, as a Grafana dashboard would point it at AWS.
import { createRequire } from 'node:module';
import type { LocalCloud } from '@kvs-edge/localcloud';

const fromTest = createRequire(import.meta.url);
const playerMain = fromTest.resolve('@iot-app-kit/source-iottwinmaker');
const fromPlayer = createRequire(playerMain);

type Ctor = new (config: Record<string, unknown>) => unknown;

/** What the player's videoData object offers (VideoDataImpl in the package). */
export interface VideoData {
  getKvsStreamSrc(mode: 'LIVE' | 'ON_DEMAND', start?: Date, end?: Date): Promise<string | undefined>;
  triggerLiveVideoUpload(): Promise<void>;
  triggerOnDemandVideoUploadRequest(startMs: string, endMs: string): Promise<void>;
  getAvailableTimeRanges(
    start: Date,
    end: Date,
  ): Promise<[{ start: number; end: number; src: string }[], { start: number; end: number }[]] | undefined>;
}

export function playerVideoData(
  cloud: LocalCloud,
  workspaceId: string,
  entityId: string,
  componentName: string,
): VideoData {
  // initialize(workspaceId, clients).videoData(props) builds exactly this object; initialize itself also
  // starts the time-series module, which needs a browser `document`, so the class is built directly with
  // the arguments initialize passes.
  const { VideoDataImpl } = fromPlayer('./video-data/VideoData.js') as {
    VideoDataImpl: new (input: Record<string, unknown>) => VideoData;
  };
  const base = { region: cloud.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const make = (pkg: string, name: string, extra: Record<string, unknown>) => {
    const Client = (fromPlayer(pkg) as Record<string, Ctor>)[name]!;
    return new Client({ ...base, ...extra });
  };
  return new VideoDataImpl({
    workspaceId,
    entityId,
    componentName,
    twinMakerClient: make('@aws-sdk/client-iottwinmaker', 'IoTTwinMakerClient', {
      endpoint: cloud.env.AWS_ENDPOINT_URL_IOTTWINMAKER,
      disableHostPrefix: true,
    }),
    siteWiseClient: make('@aws-sdk/client-iotsitewise', 'IoTSiteWiseClient', {
      endpoint: cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE,
      disableHostPrefix: true,
    }),
    kinesisVideoClient: make('@aws-sdk/client-kinesis-video', 'KinesisVideoClient', {
      endpoint: cloud.env.AWS_ENDPOINT_URL_KINESIS_VIDEO,
    }),
    // As in a dashboard: no endpoint; the player points it at GetDataEndpoint's answer itself.
    kinesisVideoArchivedMediaClient: make(
      '@aws-sdk/client-kinesis-video-archived-media',
      'KinesisVideoArchivedMediaClient',
      {},
    ),
  });
}
