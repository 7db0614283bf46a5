// One STRING measurement value written now: VodAssetStatus, and VideoUploadRequest values written the
// way the TwinMaker video player writes them (entry id liveVideo, quality GOOD). A status value is only
// worth its latest state, so it goes straight to SiteWise with the SDK's retries rather than through
// the durable outbox.
import { BatchPutAssetPropertyValueCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';

export async function putStringValue(
  client: IoTSiteWiseClient,
  assetId: string,
  propertyId: string,
  value: string,
  options: { entryId?: string; now?: number } = {},
): Promise<void> {
  const now = options.now ?? Date.now();
  const out = await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: options.entryId ?? 'status',
          assetId,
          propertyId,
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
  const failure = out.errorEntries?.[0]?.errors?.[0];
  if (failure) throw new Error(`SiteWise refused the value: ${failure.errorCode}: ${failure.errorMessage}`);
}
