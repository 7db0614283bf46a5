// Workspaces and entities as TwinMaker keeps them. Only what the video player needs is modelled: an
// entity's components are either the edge video connector type, whose properties come from the bound
// SiteWise asset, or any other type, returned with the property values they were created with.
import { AwsError } from '../http/index.js';
import type { SiteWiseStore, StoredAsset, StoredProperty } from '../sitewise/index.js';

export const EDGE_VIDEO_COMPONENT_TYPE = 'com.amazon.iotsitewise.connector.edgevideo';

const ID_RE = /^[a-zA-Z_0-9][a-zA-Z_\-0-9]*[a-zA-Z0-9]+$/;
const ENTITY_ID_RE = /^[0-9a-zA-Z_-]{1,128}$|^\$ROOT$/;

export interface StoredComponent {
  componentTypeId: string;
  description?: string;
  /** Property name -> DataValue as sent in CreateEntity. */
  values: Record<string, Record<string, unknown>>;
}

export interface StoredEntity {
  entityId: string;
  entityName: string;
  description?: string;
  parentEntityId: string;
  components: Record<string, StoredComponent>;
  createdAt: number;
  updatedAt: number;
}

export interface StoredWorkspace {
  workspaceId: string;
  description?: string;
  role?: string;
  s3Location?: string;
  createdAt: number;
  entities: Record<string, StoredEntity>;
}

export interface TwinMakerState {
  workspaces: StoredWorkspace[];
}

function notFound(what: string): AwsError {
  return new AwsError('ResourceNotFoundException', `${what} not found`, 404);
}

function invalid(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

export class TwinMakerStore {
  readonly workspaces = new Map<string, StoredWorkspace>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    readonly sitewise: SiteWiseStore,
    saved?: TwinMakerState,
  ) {
    for (const w of saved?.workspaces ?? []) this.workspaces.set(w.workspaceId, w);
  }

  snapshot(): TwinMakerState {
    return { workspaces: [...this.workspaces.values()] };
  }

  workspaceArn(id: string): string {
    return `arn:aws:iottwinmaker:${this.region}:${this.accountId}:workspace/${id}`;
  }

  entityArn(workspaceId: string, entityId: string): string {
    return `${this.workspaceArn(workspaceId)}/entity/${entityId}`;
  }

  createWorkspace(workspaceId: string, body: Record<string, unknown>): StoredWorkspace {
    if (!ID_RE.test(workspaceId) || workspaceId.length > 128)
      throw invalid(`workspaceId ${workspaceId} is not valid`);
    if (this.workspaces.has(workspaceId))
      throw new AwsError('ConflictException', `Workspace ${workspaceId} already exists`, 409);
    const w: StoredWorkspace = {
      workspaceId,
      createdAt: Date.now(),
      entities: {},
      ...(typeof body.description === 'string' && { description: body.description }),
      ...(typeof body.role === 'string' && { role: body.role }),
      ...(typeof body.s3Location === 'string' && { s3Location: body.s3Location }),
    };
    this.workspaces.set(workspaceId, w);
    return w;
  }

  workspace(id: string): StoredWorkspace {
    const w = this.workspaces.get(id);
    if (w === undefined) throw notFound(`Workspace ${id}`);
    return w;
  }

  createEntity(workspaceId: string, body: Record<string, unknown>): StoredEntity {
    const w = this.workspace(workspaceId);
    const entityName = body.entityName;
    if (typeof entityName !== 'string' || entityName.length === 0 || entityName.length > 256)
      throw invalid('entityName is required (1-256 characters)');
    const entityId = typeof body.entityId === 'string' ? body.entityId : crypto.randomUUID();
    if (!ENTITY_ID_RE.test(entityId)) throw invalid(`entityId ${entityId} is not valid`);
    if (w.entities[entityId] !== undefined)
      throw new AwsError('ConflictException', `Entity ${entityId} already exists`, 409);
    const parentEntityId = typeof body.parentEntityId === 'string' ? body.parentEntityId : '$ROOT';
    if (parentEntityId !== '$ROOT' && w.entities[parentEntityId] === undefined)
      throw invalid(`parent entity ${parentEntityId} does not exist`);
    const components: Record<string, StoredComponent> = {};
    const raw = (body.components ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, c] of Object.entries(raw)) {
      if (typeof c.componentTypeId !== 'string') throw invalid(`component ${name} needs a componentTypeId`);
      const values: Record<string, Record<string, unknown>> = {};
      for (const [p, req] of Object.entries((c.properties ?? {}) as Record<string, { value?: object }>)) {
        if (req.value !== undefined) values[p] = req.value as Record<string, unknown>;
      }
      const component: StoredComponent = {
        componentTypeId: c.componentTypeId,
        values,
        ...(typeof c.description === 'string' && { description: c.description }),
      };
      // Binding is checked at creation, as TwinMaker checks the asset exists.
      if (component.componentTypeId === EDGE_VIDEO_COMPONENT_TYPE) this.boundAsset(component, name);
      components[name] = component;
    }
    const now = Date.now();
    const e: StoredEntity = {
      entityId,
      entityName,
      parentEntityId,
      components,
      createdAt: now,
      updatedAt: now,
      ...(typeof body.description === 'string' && { description: body.description }),
    };
    w.entities[entityId] = e;
    return e;
  }

  entity(workspaceId: string, entityId: string): StoredEntity {
    const e = this.workspace(workspaceId).entities[entityId];
    if (e === undefined) throw notFound(`Entity ${entityId}`);
    return e;
  }

  /** The SiteWise asset an edge video component is bound to. */
  boundAsset(component: StoredComponent, name: string): StoredAsset {
    const assetId = component.values.sitewiseAssetId?.stringValue;
    if (typeof assetId !== 'string')
      throw invalid(
        `component ${name} of type ${EDGE_VIDEO_COMPONENT_TYPE} needs the sitewiseAssetId property`,
      );
    try {
      return this.sitewise.asset(assetId);
    } catch {
      throw invalid(`component ${name}: SiteWise asset ${assetId} does not exist`);
    }
  }

  /** The SiteWise property behind a component property, by name. */
  boundProperty(
    component: StoredComponent,
    name: string,
    propertyName: string,
  ): {
    asset: StoredAsset;
    property: StoredProperty;
  } {
    const asset = this.boundAsset(component, name);
    const property = this.sitewise.model(asset.modelId).properties.find((p) => p.name === propertyName);
    if (property === undefined) throw invalid(`component ${name} has no property ${propertyName}`);
    return { asset, property };
  }
}
