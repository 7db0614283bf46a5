// `kvs-edge request --camera <asset id> <live | startMs-endMs>`: writes a VideoUploadRequest value the
// way the TwinMaker video player does (BatchPutAssetPropertyValue, entry id liveVideo, quality GOOD).
// Works against AWS or, with AWS_ENDPOINT_URL_IOTSITEWISE set, the local cloud.
import { DescribeAssetCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { createSiteWiseClient, parseRequest, putStringValue } from '../sitewise/index.js';

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
  await putStringValue(client, assetId, property.id, value, { entryId: 'liveVideo' });
  return property.id;
}

/** Where the command writes; tests pass their own. */
export interface RequestCliIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

export async function runRequest(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: RequestCliIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const i = args.indexOf('--camera');
  const assetId = i >= 0 ? args[i + 1] : undefined;
  const rest = args.filter((_, k) => k !== i && k !== i + 1);
  const value = rest[0];
  if (!assetId || assetId.startsWith('--') || !value || rest.length > 1) {
    io.err.write(`usage: ${REQUEST_USAGE}\n`);
    return 2;
  }
  // The connector rejects a malformed value only in its own log; say so here, before anything is sent.
  try {
    parseRequest(value);
  } catch (err) {
    io.err.write(`kvs-edge request: ${(err as Error).message}\nusage: ${REQUEST_USAGE}\n`);
    return 2;
  }
  const client = createSiteWiseClient({
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ENDPOINT_URL_IOTSITEWISE && { endpoint: env.AWS_ENDPOINT_URL_IOTSITEWISE }),
    // Keys in the given environment beat the default chain, which only looks at process.env.
    ...(env.AWS_ACCESS_KEY_ID &&
      env.AWS_SECRET_ACCESS_KEY && {
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
        },
      }),
  });
  try {
    await sendUploadRequest(client, assetId, value);
    io.out.write(`sent VideoUploadRequest "${value}" to camera ${assetId}\n`);
    return 0;
  } catch (err) {
    io.err.write(`kvs-edge request: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
