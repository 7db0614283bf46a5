// `kvs-edge request --camera <asset id> <live | startMs-endMs>`: writes a VideoUploadRequest value the
// way the TwinMaker video player does (BatchPutAssetPropertyValue, entry id liveVideo, quality GOOD).
// Works against AWS or, with AWS_ENDPOINT_URL_IOTSITEWISE set, the local cloud.
import {
  BatchPutAssetPropertyValueCommand,
  DescribeAssetCommand,
  type IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import { createSiteWiseClient } from '../sitewise/index.js';

export const REQUEST_USAGE = 'kvs-edge request --camera <camera asset id> <live | <startMs>-<endMs>>';

/** Writes `value` to the camera's VideoUploadRequest property; resolves to the property id. */
export async function sendUploadRequest(
  client: IoTSiteWiseClient,
  assetId: string,
  value: string,
): Promise<string> {
  const asset = await client.send(new DescribeAssetCommand({ assetId }));
  const property = asset.assetProperties?.find((p) => p.name?.toLowerCase() === 'videouploadrequest');
  if (!property?.id) {
    throw new Error(
      `asset ${assetId} has no VideoUploadRequest property: is it a camera of the connector's model?`,
    );
  }
  const now = Date.now();
  await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'liveVideo',
          assetId,
          propertyId: property.id,
          propertyValues: [
            {
              value: { stringValue: value },
              timestamp: { timeInSeconds: Math.floor(now / 1000), offsetInNanos: (now % 1000) * 1_000_000 },
              quality: 'GOOD',
            },
          ],
        },
      ],
    }),
  );
  return property.id;
}

export async function runRequest(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const i = args.indexOf('--camera');
  const assetId = i >= 0 ? args[i + 1] : undefined;
  const value = args.filter((_, k) => k !== i && k !== i + 1)[0];
  if (!assetId || !value) {
    console.error(`usage: ${REQUEST_USAGE}`);
    return 2;
  }
  const client = createSiteWiseClient({
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ENDPOINT_URL_IOTSITEWISE && { endpoint: env.AWS_ENDPOINT_URL_IOTSITEWISE }),
  });
  try {
    await sendUploadRequest(client, assetId, value);
    console.log(`sent VideoUploadRequest "${value}" to camera ${assetId}`);
    return 0;
  } catch (err) {
    console.error(`kvs-edge request: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    client.destroy();
  }
}
