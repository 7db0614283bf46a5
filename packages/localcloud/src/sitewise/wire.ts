import { AwsError } from '../http/index.js';
import { notificationTopic, type SiteWiseStore, type StoredAsset, type StoredAssetModel } from './assets.js';

// REST-JSON timestamps are epoch seconds.
const seconds = (ms: number): number => ms / 1000;
const ACTIVE = { state: 'ACTIVE' };

/** Opaque page tokens: the offset into the (stable, insertion-ordered) list. */
export function paginate<T>(
  all: T[],
  token: string | null,
  size: number,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (token !== null) {
    start = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8').replace(/^o:/, ''), 10);
    if (!Number.isInteger(start) || start < 0 || start > all.length) {
      throw new AwsError('InvalidRequestException', 'The nextToken is not valid.');
    }
  }
  if (!Number.isInteger(size) || size < 1)
    throw new AwsError('InvalidRequestException', 'maxResults must be at least 1.');
  const items = all.slice(start, start + size);
  const end = start + items.length;
  return end < all.length ? { items, nextToken: Buffer.from(`o:${end}`).toString('base64url') } : { items };
}

export function describeModel(store: SiteWiseStore, m: StoredAssetModel): Record<string, unknown> {
  return {
    assetModelId: m.id,
    assetModelArn: store.modelArn(m.id),
    assetModelName: m.name,
    assetModelDescription: m.description ?? '',
    assetModelProperties: m.properties,
    assetModelHierarchies: m.hierarchies,
    assetModelCompositeModels: [],
    assetModelCreationDate: seconds(m.createdAt),
    assetModelLastUpdateDate: seconds(m.updatedAt),
    assetModelStatus: ACTIVE,
    assetModelType: 'ASSET_MODEL',
    ...(m.externalId !== undefined && { assetModelExternalId: m.externalId }),
  };
}

export function modelSummary(store: SiteWiseStore, m: StoredAssetModel): Record<string, unknown> {
  return {
    id: m.id,
    arn: store.modelArn(m.id),
    name: m.name,
    description: m.description ?? '',
    creationDate: seconds(m.createdAt),
    lastUpdateDate: seconds(m.updatedAt),
    status: ACTIVE,
    assetModelType: 'ASSET_MODEL',
    ...(m.externalId !== undefined && { externalId: m.externalId }),
  };
}

function hierarchies(store: SiteWiseStore, a: StoredAsset) {
  return store.model(a.modelId).hierarchies.map((h) => ({
    id: h.id,
    name: h.name,
    ...(h.externalId !== undefined && { externalId: h.externalId }),
  }));
}

export function describeAsset(
  store: SiteWiseStore,
  a: StoredAsset,
  excludeProperties: boolean,
): Record<string, unknown> {
  const model = store.model(a.modelId);
  return {
    assetId: a.id,
    assetArn: store.assetArn(a.id),
    assetName: a.name,
    assetModelId: a.modelId,
    assetProperties: excludeProperties
      ? []
      : model.properties.map((p) => ({
          id: p.id,
          name: p.name,
          dataType: p.dataType,
          notification: {
            topic: notificationTopic(a.modelId, a.id, p.id),
            state: a.notifications[p.id] ?? 'DISABLED',
          },
          ...(a.aliases[p.id] !== undefined && { alias: a.aliases[p.id] }),
          ...(p.externalId !== undefined && { externalId: p.externalId }),
          ...(p.unit !== undefined && { unit: p.unit }),
        })),
    assetHierarchies: hierarchies(store, a),
    assetCompositeModels: [],
    assetCreationDate: seconds(a.createdAt),
    assetLastUpdateDate: seconds(a.updatedAt),
    assetStatus: ACTIVE,
    ...(a.externalId !== undefined && { assetExternalId: a.externalId }),
    ...(a.description !== undefined && { assetDescription: a.description }),
  };
}

export function assetSummary(store: SiteWiseStore, a: StoredAsset): Record<string, unknown> {
  return {
    id: a.id,
    arn: store.assetArn(a.id),
    name: a.name,
    assetModelId: a.modelId,
    creationDate: seconds(a.createdAt),
    lastUpdateDate: seconds(a.updatedAt),
    status: ACTIVE,
    hierarchies: hierarchies(store, a),
    ...(a.externalId !== undefined && { externalId: a.externalId }),
    ...(a.description !== undefined && { description: a.description }),
  };
}
