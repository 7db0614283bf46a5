import type { Logger } from 'pino';
import { AwsError, jsonBody, readBody, sendJson, startHttpServer, type HttpService } from '../http/index.js';
import { persistedStore } from '../persist/index.js';
import type { SiteWiseStore } from '../sitewise/index.js';
import {
  EDGE_VIDEO_COMPONENT_TYPE,
  TwinMakerStore,
  type StoredComponent,
  type StoredEntity,
  type TwinMakerState,
} from './entities.js';
import { getPropertyValueHistory } from './history.js';

export interface TwinMakerOptions {
  host?: string;
  port?: number;
  region?: string;
  accountId?: string;
  /** The SiteWise stand-in's store, which edge video components are bound to. */
  sitewise: SiteWiseStore;
  /** Folder for twinmaker.json; memory only when omitted. */
  stateDir?: string;
  /** Upper bound on history pages, so tests can force paging with few values. */
  pageSize?: number;
  log?: Logger;
}

export interface TwinMakerService extends HttpService {
  readonly store: TwinMakerStore;
}

type Route = { method: string; pattern: RegExp; operation: string; mutates?: boolean };
const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/workspaces\/([^/]+)$/, operation: 'CreateWorkspace', mutates: true },
  { method: 'GET', pattern: /^\/workspaces\/([^/]+)$/, operation: 'GetWorkspace' },
  { method: 'POST', pattern: /^\/workspaces\/([^/]+)\/entities$/, operation: 'CreateEntity', mutates: true },
  { method: 'GET', pattern: /^\/workspaces\/([^/]+)\/entities\/([^/]+)$/, operation: 'GetEntity' },
  { method: 'POST', pattern: /^\/workspaces\/([^/]+)\/entities-list$/, operation: 'ListEntities' },
  {
    method: 'POST',
    pattern: /^\/workspaces\/([^/]+)\/entity-properties\/history$/,
    operation: 'GetPropertyValueHistory',
  },
];

const seconds = (ms: number) => ms / 1000;
const ACTIVE = { state: 'ACTIVE' };

function dataTypeOf(dataType: string): Record<string, unknown> {
  return { type: dataType === 'STRING' ? 'STRING' : dataType === 'BOOLEAN' ? 'BOOLEAN' : dataType };
}

function flags(over: Record<string, boolean>): Record<string, boolean> {
  return {
    isTimeSeries: false,
    isRequiredInEntity: false,
    isExternalId: false,
    isStoredExternally: false,
    isImported: false,
    isFinal: false,
    isInherited: false,
    ...over,
  };
}

/** A component as GetEntity returns it. */
function componentWire(store: TwinMakerStore, name: string, c: StoredComponent): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [p, value] of Object.entries(c.values)) {
    properties[p] = {
      definition: { dataType: { type: 'STRING' }, ...flags({ isRequiredInEntity: true }) },
      value,
    };
  }
  if (c.componentTypeId === EDGE_VIDEO_COMPONENT_TYPE) {
    const asset = store.boundAsset(c, name);
    properties.sitewiseAssetModelId ??= {
      definition: { dataType: { type: 'STRING' }, ...flags({ isRequiredInEntity: true }) },
      value: { stringValue: asset.modelId },
    };
    // Every property of the asset, stored externally in SiteWise: the player reads the SiteWise property
    // ids from definition.configuration.sitewisePropertyId.
    for (const prop of store.sitewise.model(asset.modelId).properties) {
      properties[prop.name] = {
        definition: {
          dataType: dataTypeOf(prop.dataType),
          ...flags({
            isTimeSeries: prop.type.measurement !== undefined,
            isStoredExternally: true,
            isInherited: true,
          }),
          configuration: { sitewisePropertyId: prop.id },
        },
      };
    }
  }
  return {
    componentName: name,
    componentTypeId: c.componentTypeId,
    ...(c.description !== undefined && { description: c.description }),
    status: ACTIVE,
    properties,
  };
}

function entityWire(store: TwinMakerStore, workspaceId: string, e: StoredEntity): Record<string, unknown> {
  const w = store.workspace(workspaceId);
  return {
    entityId: e.entityId,
    entityName: e.entityName,
    arn: store.entityArn(workspaceId, e.entityId),
    status: ACTIVE,
    workspaceId,
    parentEntityId: e.parentEntityId,
    hasChildEntities: Object.values(w.entities).some((c) => c.parentEntityId === e.entityId),
    creationDateTime: seconds(e.createdAt),
    updateDateTime: seconds(e.updatedAt),
    ...(e.description !== undefined && { description: e.description }),
    components: Object.fromEntries(
      Object.entries(e.components).map(([name, c]) => [name, componentWire(store, name, c)]),
    ),
  };
}

export async function startTwinMakerService(options: TwinMakerOptions): Promise<TwinMakerService> {
  const { store, state } = persistedStore(
    options.stateDir,
    'twinmaker',
    (saved: TwinMakerState | undefined) =>
      new TwinMakerStore(
        options.region ?? 'us-east-1',
        options.accountId ?? '123456789012',
        options.sitewise,
        saved,
      ),
  );
  const handlers: Record<string, (path: string[], body: Record<string, unknown>) => unknown> = {
    CreateWorkspace: ([id], body) => {
      const w = store.createWorkspace(id!, body);
      return { arn: store.workspaceArn(w.workspaceId), creationDateTime: seconds(w.createdAt) };
    },
    GetWorkspace: ([id]) => {
      const w = store.workspace(id!);
      return {
        workspaceId: w.workspaceId,
        arn: store.workspaceArn(w.workspaceId),
        creationDateTime: seconds(w.createdAt),
        updateDateTime: seconds(w.createdAt),
        ...(w.description !== undefined && { description: w.description }),
        ...(w.role !== undefined && { role: w.role }),
        ...(w.s3Location !== undefined && { s3Location: w.s3Location }),
      };
    },
    CreateEntity: ([id], body) => {
      const e = store.createEntity(id!, body);
      return {
        entityId: e.entityId,
        arn: store.entityArn(id!, e.entityId),
        creationDateTime: seconds(e.createdAt),
        state: 'ACTIVE',
      };
    },
    GetEntity: ([w, e]) => entityWire(store, w!, store.entity(w!, e!)),
    ListEntities: ([w]) => ({
      entitySummaries: Object.values(store.workspace(w!).entities).map((e) => ({
        entityId: e.entityId,
        entityName: e.entityName,
        arn: store.entityArn(w!, e.entityId),
        parentEntityId: e.parentEntityId,
        status: ACTIVE,
        creationDateTime: seconds(e.createdAt),
        updateDateTime: seconds(e.updatedAt),
      })),
    }),
    GetPropertyValueHistory: ([w], body) => getPropertyValueHistory(store, w!, body, options.pageSize),
  };

  const http = await startHttpServer(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      let operation = 'unknown';
      try {
        let match: RegExpExecArray | null = null;
        const route = ROUTES.find(
          (r) => r.method === req.method && (match = r.pattern.exec(url.pathname)) !== null,
        );
        if (route === undefined || match === null) {
          throw new AwsError(
            'ValidationException',
            `operation not emulated: ${req.method} ${url.pathname}`,
            404,
          );
        }
        operation = route.operation;
        const path = (match as RegExpExecArray).slice(1).map(decodeURIComponent);
        const raw = await readBody(req, 1024 * 1024);
        const out = handlers[operation]!(path, jsonBody(raw, 'ValidationException'));
        if (route.mutates) state.changed();
        sendJson(res, 200, out);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        options.log?.debug({ operation, code: err.code, message: err.message }, 'twinmaker error');
        sendJson(res, err.status, { message: err.message }, { 'x-amzn-errortype': err.code });
      }
    },
    { ...options, name: 'twinmaker' },
  );
  return {
    port: http.port,
    endpoint: http.endpoint,
    store,
    async stop() {
      await http.stop();
      state.flush();
    },
  };
}
