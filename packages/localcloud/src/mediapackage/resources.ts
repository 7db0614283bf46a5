// MediaPackage VOD resources (packaging groups, packaging configurations, assets) with the checks the
// real service makes, and the egress-endpoint life cycle QUEUED -> PROCESSING -> PLAYABLE | FAILED.
import { randomBytes } from 'node:crypto';

/** A request the service refuses; becomes `x-amzn-errortype` + `{"message"}`. */
export class VodError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export const unprocessable = (message: string) => new VodError(422, 'UnprocessableEntityException', message);
export const notFound = (message: string) => new VodError(404, 'NotFoundException', message);

type Json = Record<string, unknown>;

/** A packaging group as stored (wire field names). */
export interface PackagingGroup {
  id: string;
  arn: string;
  createdAt: string;
  domainName: string;
  authorization?: Json;
  egressAccessLogs?: Json;
  tags: Record<string, string>;
  /** Path segment of the group's egress URLs. */
  hex: string;
}

/** Which package kind a configuration has. */
export type PackageKind = 'hlsPackage' | 'dashPackage' | 'cmafPackage' | 'mssPackage';

export interface PackagingConfiguration {
  id: string;
  arn: string;
  createdAt: string;
  packagingGroupId: string;
  kind: PackageKind;
  package: Json;
  tags: Record<string, string>;
  hex: string;
}

export interface EgressEndpoint {
  packagingConfigurationId: string;
  status: 'QUEUED' | 'PROCESSING' | 'PLAYABLE' | 'FAILED';
  url: string;
}

export interface Asset {
  id: string;
  arn: string;
  createdAt: string;
  packagingGroupId: string;
  sourceArn: string;
  sourceRoleArn: string;
  resourceId?: string;
  tags: Record<string, string>;
  egressEndpoints: EgressEndpoint[];
  hex: string;
  /** Bucket and key parsed from sourceArn. */
  source: { bucket: string; key: string };
}

const ID_RE = /^[A-Za-z0-9_-]{1,256}$/;
const SOURCE_RE = /^arn:aws:s3:::([^/]+)\/(.+\.(m3u8|smil|json))$/;
const KINDS: PackageKind[] = ['hlsPackage', 'dashPackage', 'cmafPackage', 'mssPackage'];
const MANIFEST_LIST: Record<PackageKind, string> = {
  hlsPackage: 'hlsManifests',
  dashPackage: 'dashManifests',
  cmafPackage: 'hlsManifests',
  mssPackage: 'mssManifests',
};
const EXTENSION: Record<PackageKind, string> = {
  hlsPackage: '.m3u8',
  cmafPackage: '.m3u8',
  dashPackage: '.mpd',
  mssPackage: '.ism/Manifest',
};

function str(body: Json, key: string, required: true): string;
function str(body: Json, key: string, required: false): string | undefined;
function str(body: Json, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw unprocessable(`${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw unprocessable(`${key} must be a string`);
  return v;
}

function tagsOf(body: Json): Record<string, string> {
  const t = body.tags;
  if (t === undefined || t === null) return {};
  if (typeof t !== 'object' || Array.isArray(t) || !Object.values(t).every((v) => typeof v === 'string')) {
    throw unprocessable('tags must be a map of strings');
  }
  return { ...(t as Record<string, string>) };
}

function newId(body: Json, existing: Map<string, unknown>, what: string): string {
  const id = str(body, 'id', true);
  if (!ID_RE.test(id)) throw unprocessable(`${what} id ${id} may only hold letters, digits, _ and -`);
  if (existing.has(id)) throw unprocessable(`${what} ${id} already exists`);
  return id;
}

const hex = () => randomBytes(16).toString('hex');

/** All resources of one stand-in, with ARNs in one region/account. */
export class VodResources {
  readonly groups = new Map<string, PackagingGroup>();
  readonly configs = new Map<string, PackagingConfiguration>();
  readonly assets = new Map<string, Asset>();

  constructor(
    private readonly arnPrefix: string,
    private readonly egressBase: () => string,
  ) {}

  createGroup(body: Json): PackagingGroup {
    const id = newId(body, this.groups, 'packaging group');
    const authorization = body.authorization as Json | undefined;
    if (authorization !== undefined) {
      str(authorization, 'cdnIdentifierSecret', true);
      str(authorization, 'secretsRoleArn', true);
    }
    const h = hex();
    const group: PackagingGroup = {
      id,
      arn: `${this.arnPrefix}:packaging-groups/${id}`,
      createdAt: new Date().toISOString(),
      domainName: `${this.egressBase()}/egress/${h}`,
      authorization,
      egressAccessLogs: body.egressAccessLogs as Json | undefined,
      tags: tagsOf(body),
      hex: h,
    };
    this.groups.set(id, group);
    return group;
  }

  group(id: string): PackagingGroup {
    const g = this.groups.get(id);
    if (!g) throw notFound(`PackagingGroup ${id} not found`);
    return g;
  }

  deleteGroup(id: string): void {
    this.group(id);
    const inUse = [...this.configs.values(), ...this.assets.values()].some((r) => r.packagingGroupId === id);
    if (inUse) throw unprocessable(`PackagingGroup ${id} still has packaging configurations or assets`);
    this.groups.delete(id);
  }

  createConfig(body: Json): PackagingConfiguration {
    const id = newId(body, this.configs, 'packaging configuration');
    const groupId = str(body, 'packagingGroupId', true);
    if (!this.groups.has(groupId)) throw unprocessable(`PackagingGroup ${groupId} does not exist`);
    const kinds = KINDS.filter((k) => body[k] !== undefined && body[k] !== null);
    if (kinds.length !== 1)
      throw unprocessable('exactly one of hlsPackage, dashPackage, cmafPackage, mssPackage is required');
    const kind = kinds[0]!;
    const pkg = body[kind] as Json;
    const manifests = pkg[MANIFEST_LIST[kind]];
    if (!Array.isArray(manifests) || manifests.length === 0) {
      throw unprocessable(`${kind}.${MANIFEST_LIST[kind]} must list at least one manifest`);
    }
    const config: PackagingConfiguration = {
      id,
      arn: `${this.arnPrefix}:packaging-configurations/${id}`,
      createdAt: new Date().toISOString(),
      packagingGroupId: groupId,
      kind,
      package: pkg,
      tags: tagsOf(body),
      hex: hex(),
    };
    this.configs.set(id, config);
    return config;
  }

  config(id: string): PackagingConfiguration {
    const c = this.configs.get(id);
    if (!c) throw notFound(`PackagingConfiguration ${id} not found`);
    return c;
  }

  createAsset(body: Json): Asset {
    const id = newId(body, this.assets, 'asset');
    const groupId = str(body, 'packagingGroupId', true);
    const sourceArn = str(body, 'sourceArn', true);
    const sourceRoleArn = str(body, 'sourceRoleArn', true);
    const group = this.groups.get(groupId);
    if (!group) throw unprocessable(`PackagingGroup ${groupId} does not exist`);
    const m = SOURCE_RE.exec(sourceArn);
    if (!m)
      throw unprocessable(
        `sourceArn ${sourceArn} must be arn:aws:s3:::bucket/key of an .m3u8, .smil or .json`,
      );
    const h = hex();
    const egressEndpoints = [...this.configs.values()]
      .filter((c) => c.packagingGroupId === groupId)
      .map((c): EgressEndpoint => ({
        packagingConfigurationId: c.id,
        status: 'QUEUED',
        url: egressUrl(group, h, c),
      }));
    const asset: Asset = {
      id,
      arn: `${this.arnPrefix}:assets/${id}`,
      createdAt: new Date().toISOString(),
      packagingGroupId: groupId,
      sourceArn,
      sourceRoleArn,
      resourceId: str(body, 'resourceId', false) ?? id,
      tags: tagsOf(body),
      egressEndpoints,
      hex: h,
      source: { bucket: m[1]!, key: m[2]! },
    };
    this.assets.set(id, asset);
    return asset;
  }

  asset(id: string): Asset {
    const a = this.assets.get(id);
    if (!a) throw notFound(`Asset ${id} not found`);
    return a;
  }

  /** The resource a tag ARN names. */
  byArn(arn: string): { tags: Record<string, string> } {
    const all = [...this.groups.values(), ...this.configs.values(), ...this.assets.values()];
    const found = all.find((r) => r.arn === arn);
    if (!found) throw notFound(`resource ${arn} not found`);
    return found;
  }
}

/** Manifest file name of a configuration (first manifest's name, 'index' by default) with its extension. */
export function manifestFile(c: PackagingConfiguration): string {
  const first = (c.package[MANIFEST_LIST[c.kind]] as Json[])[0] ?? {};
  const name =
    typeof first.manifestName === 'string' && first.manifestName !== '' ? first.manifestName : 'index';
  return name + EXTENSION[c.kind];
}

function egressUrl(group: PackagingGroup, assetHex: string, c: PackagingConfiguration): string {
  return `${group.domainName}/out/v1/${assetHex}/${c.hex}/${hex().slice(0, 8)}/${manifestFile(c)}`;
}

export function groupView(g: PackagingGroup, approximateAssetCount?: number): Json {
  const { hex: _h, ...rest } = g;
  return approximateAssetCount === undefined ? rest : { ...rest, approximateAssetCount };
}

export function configView(c: PackagingConfiguration): Json {
  return {
    arn: c.arn,
    createdAt: c.createdAt,
    id: c.id,
    packagingGroupId: c.packagingGroupId,
    [c.kind]: c.package,
    tags: c.tags,
  };
}

export function assetView(a: Asset, shallow = false): Json {
  const { hex: _h, source: _s, egressEndpoints, ...rest } = a;
  return shallow ? rest : { ...rest, egressEndpoints };
}
