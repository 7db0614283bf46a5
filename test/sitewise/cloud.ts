// The local SiteWise, Secrets Manager and MQTT broker with real SDK clients, stopped on teardown.
import type { Test } from 'tap';
import { startMqttBroker, type MqttBroker } from '@kvs-edge/localcloud';
import { startSecretsManagerService } from '@kvs-edge/localcloud';
import { startSiteWiseService, type SiteWiseService } from '@kvs-edge/localcloud';
import { createSecretsClient } from '../../src/secrets/index.js';
import { createSiteWiseClient } from '../../src/sitewise/index.js';

export const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

export interface LocalSiteWise {
  service: SiteWiseService;
  broker: MqttBroker;
  sitewise: ReturnType<typeof createSiteWiseClient>;
  secrets: ReturnType<typeof createSecretsClient>;
  secretsEndpoint: string;
  /** BatchPutAssetPropertyValue calls seen on the wire by `sitewise` (entry count and entries). */
  batches: { entryId: string; propertyId: string; timeInSeconds: number; value: number | undefined }[][];
}

export async function localSiteWise(t: Test, options: { pageSize?: number } = {}): Promise<LocalSiteWise> {
  const broker = await startMqttBroker();
  t.teardown(() => broker.stop());
  const service = await startSiteWiseService({
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
    publish: (topic, payload) => broker.publish(topic, payload),
  });
  t.teardown(() => service.stop());
  const secretsService = await startSecretsManagerService();
  t.teardown(() => secretsService.stop());
  const sitewise = createSiteWiseClient({
    endpoint: service.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => sitewise.destroy());
  const secrets = createSecretsClient({
    endpoint: secretsService.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => secrets.destroy());
  const batches: LocalSiteWise['batches'] = [];
  // Observe (not alter) what goes on the wire, to count sends.
  sitewise.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchPutAssetPropertyValueCommand') {
        const input = args.input as {
          entries: {
            entryId: string;
            propertyId: string;
            propertyValues: { timestamp: { timeInSeconds: number }; value: { doubleValue?: number } }[];
          }[];
        };
        batches.push(
          input.entries.map((e) => ({
            entryId: e.entryId,
            propertyId: e.propertyId,
            timeInSeconds: e.propertyValues[0]?.timestamp.timeInSeconds ?? 0,
            value: e.propertyValues[0]?.value.doubleValue,
          })),
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordBatches' },
  );
  return { service, broker, sitewise, secrets, secretsEndpoint: secretsService.endpoint, batches };
}
