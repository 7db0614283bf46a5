import { randomUUID } from 'node:crypto';
import { AwsError } from '../http/index.js';
import { defaultVariant, ValueSeries, type Tqv } from './values.js';

/** A model property as stored and described (the asset's property has the same id). */
export interface StoredProperty {
  id: string;
  name: string;
  dataType: string;
  externalId?: string;
  unit?: string;
  type: { attribute?: { defaultValue?: string }; measurement?: object; transform?: object; metric?: object };
}

/** An asset model as persisted. */
export interface StoredAssetModel {
  id: string;
  name: string;
  description?: string;
  externalId?: string;
  properties: StoredProperty[];
  hierarchies: { id: string; name: string; childAssetModelId: string; externalId?: string }[];
  createdAt: number;
  updatedAt: number;
}

/** An asset as persisted; per-property alias and notification state live here. */
export interface StoredAsset {
  id: string;
  name: string;
  modelId: string;
  externalId?: string;
  description?: string;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  notifications: Record<string, 'ENABLED' | 'DISABLED'>;
  /** hierarchyId -> child asset ids, in association order. */
  children: Record<string, string[]>;
  parent?: { assetId: string; hierarchyId: string };
  createdAt: number;
  updatedAt: number;
}

/** Everything the SiteWise stand-in persists. */
export interface SiteWiseState {
  models: StoredAssetModel[];
  assets: StoredAsset[];
  /** "<assetId>/<propertyId>" -> values in time order. */
  values: Record<string, Tqv[]>;
}

const EXTERNAL = 'externalId:';

/** The MQTT topic SiteWise publishes a property's value notifications on. */
export function notificationTopic(modelId: string, assetId: string, propertyId: string): string {
  return `$aws/sitewise/asset-models/${modelId}/assets/${assetId}/properties/${propertyId}`;
}

function notFound(kind: string, id: string): AwsError {
  return new AwsError('ResourceNotFoundException', `${kind} ${id} does not exist.`, 404);
}

/** Models, assets and values in memory, with SiteWise's referential rules. */
export class SiteWiseStore {
  readonly models = new Map<string, StoredAssetModel>();
  readonly assets = new Map<string, StoredAsset>();
  readonly series = new Map<string, ValueSeries>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    saved?: SiteWiseState,
  ) {
    for (const m of saved?.models ?? []) this.models.set(m.id, m);
    for (const a of saved?.assets ?? []) this.assets.set(a.id, a);
    for (const [key, values] of Object.entries(saved?.values ?? {}))
      this.series.set(key, new ValueSeries(values));
  }

  snapshot(): SiteWiseState {
    const values: Record<string, Tqv[]> = {};
    for (const [key, s] of this.series) values[key] = s.values;
    return { models: [...this.models.values()], assets: [...this.assets.values()], values };
  }

  modelArn(id: string): string {
    return `arn:aws:iotsitewise:${this.region}:${this.accountId}:asset-model/${id}`;
  }

  assetArn(id: string): string {
    return `arn:aws:iotsitewise:${this.region}:${this.accountId}:asset/${id}`;
  }

  /** By id or `externalId:<id>`, as SiteWise accepts in paths. */
  model(idOrExternal: string): StoredAssetModel {
    const found = idOrExternal.startsWith(EXTERNAL)
      ? [...this.models.values()].find((m) => m.externalId === idOrExternal.slice(EXTERNAL.length))
      : this.models.get(idOrExternal);
    if (found === undefined) throw notFound('Asset model', idOrExternal);
    return found;
  }

  asset(idOrExternal: string): StoredAsset {
    const found = idOrExternal.startsWith(EXTERNAL)
      ? [...this.assets.values()].find((a) => a.externalId === idOrExternal.slice(EXTERNAL.length))
      : this.assets.get(idOrExternal);
    if (found === undefined) throw notFound('Asset', idOrExternal);
    return found;
  }

  property(asset: StoredAsset, propertyId: string): StoredProperty {
    const model = this.model(asset.modelId);
    const property = propertyId.startsWith(EXTERNAL)
      ? model.properties.find((p) => p.externalId === propertyId.slice(EXTERNAL.length))
      : model.properties.find((p) => p.id === propertyId);
    if (property === undefined) throw notFound(`Property of asset ${asset.id}:`, propertyId);
    return property;
  }

  /** The asset and property an alias points at. */
  byAlias(alias: string): { asset: StoredAsset; property: StoredProperty } {
    for (const asset of this.assets.values()) {
      for (const [propertyId, a] of Object.entries(asset.aliases)) {
        if (a === alias) return { asset, property: this.property(asset, propertyId) };
      }
    }
    throw notFound('Property alias', alias);
  }

  seriesOf(assetId: string, propertyId: string): ValueSeries {
    const key = `${assetId}/${propertyId}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = new ValueSeries();
      this.series.set(key, s);
    }
    return s;
  }

  createModel(input: Record<string, unknown>): StoredAssetModel {
    const name = input.assetModelName;
    if (typeof name !== 'string' || name.length === 0) {
      throw new AwsError('InvalidRequestException', 'assetModelName is required');
    }
    const clash = [...this.models.values()].find(
      (m) =>
        m.name === name ||
        (input.assetModelExternalId !== undefined && m.externalId === input.assetModelExternalId),
    );
    if (clash !== undefined) {
      throw new AwsError('ResourceAlreadyExistsException', `Asset model ${name} already exists.`, 409, {
        resourceId: clash.id,
        resourceArn: this.modelArn(clash.id),
      });
    }
    const properties = ((input.assetModelProperties ?? []) as Record<string, unknown>[]).map((p) => {
      if (typeof p.name !== 'string' || typeof p.dataType !== 'string' || typeof p.type !== 'object') {
        throw new AwsError('InvalidRequestException', 'Each property needs name, dataType and type.');
      }
      const kinds = Object.keys(p.type as object);
      if (kinds.length !== 1) {
        throw new AwsError('InvalidRequestException', `Property ${p.name} must have exactly one type.`);
      }
      return {
        id: typeof p.id === 'string' ? p.id : randomUUID(),
        name: p.name,
        dataType: p.dataType,
        type: p.type as StoredProperty['type'],
        ...(typeof p.externalId === 'string' && { externalId: p.externalId }),
        ...(typeof p.unit === 'string' && { unit: p.unit }),
      };
    });
    const names = new Set<string>();
    for (const p of properties) {
      if (names.has(p.name))
        throw new AwsError('InvalidRequestException', `Duplicate property name ${p.name}.`);
      names.add(p.name);
    }
    const hierarchies = ((input.assetModelHierarchies ?? []) as Record<string, unknown>[]).map((h) => {
      if (typeof h.name !== 'string' || typeof h.childAssetModelId !== 'string') {
        throw new AwsError('InvalidRequestException', 'Each hierarchy needs name and childAssetModelId.');
      }
      const id = typeof h.id === 'string' ? h.id : randomUUID();
      // A hierarchy may name the model being created (assetModelId given in the request).
      if (h.childAssetModelId !== input.assetModelId) this.model(h.childAssetModelId);
      return {
        id,
        name: h.name,
        childAssetModelId: h.childAssetModelId,
        ...(typeof h.externalId === 'string' && { externalId: h.externalId }),
      };
    });
    const now = Date.now();
    const model: StoredAssetModel = {
      id: typeof input.assetModelId === 'string' ? input.assetModelId : randomUUID(),
      name,
      properties,
      hierarchies,
      createdAt: now,
      updatedAt: now,
      ...(typeof input.assetModelDescription === 'string' && { description: input.assetModelDescription }),
      ...(typeof input.assetModelExternalId === 'string' && { externalId: input.assetModelExternalId }),
    };
    if (this.models.has(model.id)) {
      throw new AwsError('ResourceAlreadyExistsException', `Asset model ${model.id} already exists.`, 409);
    }
    this.models.set(model.id, model);
    return model;
  }

  createAsset(input: Record<string, unknown>): StoredAsset {
    const name = input.assetName;
    if (typeof name !== 'string' || name.length === 0)
      throw new AwsError('InvalidRequestException', 'assetName is required');
    if (typeof input.assetModelId !== 'string')
      throw new AwsError('InvalidRequestException', 'assetModelId is required');
    const model = this.model(input.assetModelId);
    const externalId = typeof input.assetExternalId === 'string' ? input.assetExternalId : undefined;
    const id = typeof input.assetId === 'string' ? input.assetId : randomUUID();
    const clash = [...this.assets.values()].find(
      (a) => a.id === id || (externalId !== undefined && a.externalId === externalId),
    );
    if (clash !== undefined) {
      throw new AwsError('ResourceAlreadyExistsException', `Asset ${externalId ?? id} already exists.`, 409, {
        resourceId: clash.id,
        resourceArn: this.assetArn(clash.id),
      });
    }
    const now = Date.now();
    const asset: StoredAsset = {
      id,
      name,
      modelId: model.id,
      tags: (input.tags ?? {}) as Record<string, string>,
      aliases: {},
      notifications: {},
      children: {},
      createdAt: now,
      updatedAt: now,
      ...(externalId !== undefined && { externalId }),
      ...(typeof input.assetDescription === 'string' && { description: input.assetDescription }),
    };
    this.assets.set(id, asset);
    // Attribute defaults are readable as values from the start, as in SiteWise. Stamped on the whole
    // second: a value written in the same second (set-up scripts write right after CreateAsset, with
    // whole-second timestamps) must replace the default, not lose to it by a few milliseconds.
    const timestamp = { timeInSeconds: Math.floor(now / 1000), offsetInNanos: 0 };
    for (const p of model.properties) {
      const text = p.type.attribute?.defaultValue;
      if (text !== undefined)
        this.seriesOf(id, p.id).put({ timestamp, quality: 'GOOD', value: defaultVariant(p.dataType, text) });
    }
    return asset;
  }

  associate(parentId: string, hierarchyId: string, childId: string): void {
    const parent = this.asset(parentId);
    const hierarchy = this.model(parent.modelId).hierarchies.find((h) => h.id === hierarchyId);
    if (hierarchy === undefined) {
      throw new AwsError(
        'InvalidRequestException',
        `Hierarchy ${hierarchyId} is not in the model of asset ${parent.id}.`,
      );
    }
    const child = this.asset(childId);
    if (child.modelId !== hierarchy.childAssetModelId) {
      throw new AwsError(
        'InvalidRequestException',
        `Asset ${child.id} is not of the hierarchy's child model ${hierarchy.childAssetModelId}.`,
      );
    }
    if (child.parent !== undefined) {
      throw new AwsError(
        'InvalidRequestException',
        `Asset ${child.id} is already associated with asset ${child.parent.assetId}.`,
      );
    }
    for (
      let a: StoredAsset | undefined = parent;
      a !== undefined;
      a = a.parent && this.assets.get(a.parent.assetId)
    ) {
      if (a.id === child.id)
        throw new AwsError('InvalidRequestException', 'The association would create a cycle.');
    }
    child.parent = { assetId: parent.id, hierarchyId };
    (parent.children[hierarchyId] ??= []).push(child.id);
  }

  /** Undoes associate(): the child becomes a top-level asset again. */
  disassociate(parentId: string, hierarchyId: string, childId: string): void {
    const parent = this.asset(parentId);
    if (!this.model(parent.modelId).hierarchies.some((h) => h.id === hierarchyId)) {
      throw new AwsError(
        'InvalidRequestException',
        `Hierarchy ${hierarchyId} is not in the model of asset ${parent.id}.`,
      );
    }
    const child = this.asset(childId);
    if (child.parent?.assetId !== parent.id || child.parent.hierarchyId !== hierarchyId) {
      throw new AwsError(
        'InvalidRequestException',
        `Asset ${child.id} is not associated with asset ${parent.id} through hierarchy ${hierarchyId}.`,
      );
    }
    parent.children[hierarchyId] = (parent.children[hierarchyId] ?? []).filter((id) => id !== child.id);
    delete child.parent;
  }
}
