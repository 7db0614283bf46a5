import type http from 'node:http';
import type { Logger } from 'pino';
import {
  AwsError,
  FaultInjector,
  jsonBody,
  readBody,
  sendJson,
  startHttpServer,
  type HttpService,
  type Uplink,
} from '../http/index.js';
import { persistedStore } from '../persist/index.js';
import { SiteWiseStore, type SiteWiseState } from './assets.js';
import { describeAsset, describeModel, assetSummary, modelSummary, paginate } from './wire.js';
import { batchPut, getHistory, getInterpolated, getLatest } from './data.js';

export interface SiteWiseOptions {
  host?: string;
  port?: number;
  region?: string;
  accountId?: string;
  /** Folder for sitewise.json; memory only when omitted. */
  stateDir?: string;
  /** Publishes property value notifications; the local cloud passes its MQTT broker's publish. */
  publish?: (topic: string, payload: string) => Promise<void>;
  /** Upper bound on every List* page, so tests can force paging with few items. */
  pageSize?: number;
  log?: Logger;
  /** Behind the device's uplink (the local cloud's fault control cuts it). */
  uplink?: Uplink;
}

/** A running SiteWise stand-in. */
export interface SiteWiseService extends HttpService {
  readonly store: SiteWiseStore;
  /** Fault injection by operation name, e.g. "DescribeAsset". */
  readonly faults: FaultInjector;
  /** Settable at run time; undefined means the API's own limits. */
  pageSize: number | undefined;
}

type Params = { path: string[]; query: URLSearchParams; body: Record<string, unknown> };
type Route = { method: string; pattern: RegExp; operation: string; mutates?: boolean };

const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/asset-models$/, operation: 'CreateAssetModel', mutates: true },
  { method: 'GET', pattern: /^\/asset-models$/, operation: 'ListAssetModels' },
  { method: 'GET', pattern: /^\/asset-models\/([^/]+)$/, operation: 'DescribeAssetModel' },
  { method: 'POST', pattern: /^\/assets$/, operation: 'CreateAsset', mutates: true },
  { method: 'GET', pattern: /^\/assets$/, operation: 'ListAssets' },
  { method: 'GET', pattern: /^\/assets\/([^/]+)$/, operation: 'DescribeAsset' },
  { method: 'POST', pattern: /^\/assets\/([^/]+)\/associate$/, operation: 'AssociateAssets', mutates: true },
  {
    method: 'POST',
    pattern: /^\/assets\/([^/]+)\/disassociate$/,
    operation: 'DisassociateAssets',
    mutates: true,
  },
  { method: 'GET', pattern: /^\/assets\/([^/]+)\/hierarchies$/, operation: 'ListAssociatedAssets' },
  {
    method: 'PUT',
    pattern: /^\/assets\/([^/]+)\/properties\/([^/]+)$/,
    operation: 'UpdateAssetProperty',
    mutates: true,
  },
  { method: 'POST', pattern: /^\/properties$/, operation: 'BatchPutAssetPropertyValue', mutates: true },
  { method: 'GET', pattern: /^\/properties\/latest$/, operation: 'GetAssetPropertyValue' },
  { method: 'GET', pattern: /^\/properties\/history$/, operation: 'GetAssetPropertyValueHistory' },
  { method: 'GET', pattern: /^\/properties\/interpolated$/, operation: 'GetInterpolatedAssetPropertyValues' },
];

export async function startSiteWiseService(options: SiteWiseOptions = {}): Promise<SiteWiseService> {
  const { store, state } = persistedStore(
    options.stateDir,
    'sitewise',
    (saved: SiteWiseState | undefined) =>
      new SiteWiseStore(options.region ?? 'us-east-1', options.accountId ?? '123456789012', saved),
  );
  const faults = new FaultInjector();
  const publish = options.publish ?? (async () => {});
  let pageSize = options.pageSize;
  const page = (query: URLSearchParams, apiDefault: number) => {
    const asked = query.has('maxResults') ? Number(query.get('maxResults')) : apiDefault;
    return Math.min(asked, pageSize ?? Number.POSITIVE_INFINITY);
  };

  const handlers: Record<string, (p: Params) => Promise<[number, unknown]> | [number, unknown]> = {
    CreateAssetModel: ({ body }) => {
      const m = store.createModel(body);
      // SiteWise answers 202 while it creates the model; ours is ACTIVE by the next call.
      return [
        202,
        { assetModelId: m.id, assetModelArn: store.modelArn(m.id), assetModelStatus: { state: 'CREATING' } },
      ];
    },
    ListAssetModels: ({ query }) => {
      const { items, nextToken } = paginate(
        [...store.models.values()],
        query.get('nextToken'),
        page(query, 50),
      );
      return [200, { assetModelSummaries: items.map((m) => modelSummary(store, m)), nextToken }];
    },
    DescribeAssetModel: ({ path }) => [200, describeModel(store, store.model(path[0]!))],
    CreateAsset: ({ body }) => {
      const a = store.createAsset(body);
      return [202, { assetId: a.id, assetArn: store.assetArn(a.id), assetStatus: { state: 'CREATING' } }];
    },
    ListAssets: ({ query }) => {
      const modelId = query.get('assetModelId');
      const filter = query.get('filter') ?? 'ALL';
      if (filter === 'ALL' && modelId === null) {
        throw new AwsError('InvalidRequestException', 'assetModelId is required when filter is ALL.');
      }
      if (modelId !== null) store.model(modelId);
      const all = [...store.assets.values()].filter(
        (a) => (modelId === null || a.modelId === modelId) && (filter === 'ALL' || a.parent === undefined),
      );
      const { items, nextToken } = paginate(all, query.get('nextToken'), page(query, 50));
      return [200, { assetSummaries: items.map((a) => assetSummary(store, a)), nextToken }];
    },
    DescribeAsset: ({ path, query }) => [
      200,
      describeAsset(store, store.asset(path[0]!), query.get('excludeProperties') === 'true'),
    ],
    AssociateAssets: ({ path, body }) => {
      if (typeof body.hierarchyId !== 'string' || typeof body.childAssetId !== 'string') {
        throw new AwsError('InvalidRequestException', 'hierarchyId and childAssetId are required.');
      }
      store.associate(path[0]!, body.hierarchyId, body.childAssetId);
      return [200, undefined];
    },
    DisassociateAssets: ({ path, body }) => {
      if (typeof body.hierarchyId !== 'string' || typeof body.childAssetId !== 'string') {
        throw new AwsError('InvalidRequestException', 'hierarchyId and childAssetId are required.');
      }
      // The SDK fills clientToken with a UUID; the API accepts 36 to 64 characters.
      const token = body.clientToken;
      if (token !== undefined && (typeof token !== 'string' || !/^\S{36,64}$/.test(token))) {
        throw new AwsError('InvalidRequestException', 'clientToken must be 36 to 64 non-blank characters.');
      }
      store.disassociate(path[0]!, body.hierarchyId, body.childAssetId);
      return [200, undefined];
    },
    ListAssociatedAssets: ({ path, query }) => {
      const asset = store.asset(path[0]!);
      const direction = query.get('traversalDirection') ?? 'CHILD';
      let related: string[];
      if (direction === 'PARENT') {
        related = asset.parent === undefined ? [] : [asset.parent.assetId];
      } else {
        const hierarchyId = query.get('hierarchyId');
        if (hierarchyId === null) {
          throw new AwsError(
            'InvalidRequestException',
            'hierarchyId is required when traversalDirection is CHILD.',
          );
        }
        if (!store.model(asset.modelId).hierarchies.some((h) => h.id === hierarchyId)) {
          throw new AwsError(
            'InvalidRequestException',
            `Hierarchy ${hierarchyId} is not in the model of asset ${asset.id}.`,
          );
        }
        related = asset.children[hierarchyId] ?? [];
      }
      const { items, nextToken } = paginate(related, query.get('nextToken'), page(query, 50));
      return [200, { assetSummaries: items.map((id) => assetSummary(store, store.asset(id))), nextToken }];
    },
    UpdateAssetProperty: ({ path, body }) => {
      const asset = store.asset(path[0]!);
      const property = store.property(asset, path[1]!);
      const state = body.propertyNotificationState ?? 'DISABLED';
      if (state !== 'ENABLED' && state !== 'DISABLED') {
        throw new AwsError(
          'InvalidRequestException',
          `propertyNotificationState must be ENABLED or DISABLED, not ${String(state)}.`,
        );
      }
      const alias = body.propertyAlias;
      if (typeof alias === 'string') {
        const owner = [...store.assets.values()].find((a) =>
          Object.entries(a.aliases).some(
            ([pid, al]) => al === alias && !(a.id === asset.id && pid === property.id),
          ),
        );
        if (owner !== undefined)
          throw new AwsError('InvalidRequestException', `Alias ${alias} is already in use.`);
        asset.aliases[property.id] = alias;
      } else {
        // SiteWise resets whatever the update leaves out.
        delete asset.aliases[property.id];
      }
      asset.notifications[property.id] = state;
      asset.updatedAt = Date.now();
      return [200, undefined];
    },
    BatchPutAssetPropertyValue: async ({ body }) => [200, await batchPut(store, body, publish, options.log)],
    GetAssetPropertyValue: ({ query }) => [200, getLatest(store, query)],
    GetAssetPropertyValueHistory: ({ query }) => [200, getHistory(store, query, page(query, 100))],
    GetInterpolatedAssetPropertyValues: ({ query }) => [200, getInterpolated(store, query, pageSize)],
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    let operation = 'unknown';
    try {
      const raw = await readBody(req, 1024 * 1024);
      let path: string[] | undefined;
      const route = ROUTES.find((r) => {
        const m = req.method === r.method ? r.pattern.exec(url.pathname) : null;
        if (m !== null) path = m.slice(1).map(decodeURIComponent);
        return m !== null;
      });
      if (route === undefined || path === undefined) {
        throw new AwsError(
          'ResourceNotFoundException',
          `operation not emulated: ${req.method} ${url.pathname}`,
          404,
        );
      }
      operation = route.operation;
      faults.check(operation);
      const body = jsonBody(raw, 'InvalidRequestException');
      const [status, out] = await handlers[operation]!({ path, query: url.searchParams, body });
      if (route.mutates) state.changed();
      sendJson(res, status, out ?? {});
      options.log?.debug({ operation }, 'sitewise request');
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      options.log?.debug({ operation, code: err.code, message: err.message }, 'sitewise error');
      sendJson(res, err.status, { message: err.message, ...err.fields }, { 'x-amzn-errortype': err.code });
    }
  };

  const http = await startHttpServer(handle, { ...options, name: 'sitewise' });
  return {
    port: http.port,
    endpoint: http.endpoint,
    store,
    faults,
    get pageSize() {
      return pageSize;
    },
    set pageSize(value) {
      pageSize = value;
    },
    async stop() {
      await http.stop();
      state.flush();
    },
  };
}
