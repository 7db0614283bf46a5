// `vod status`: the MediaPackage VOD monitoring view: packaging groups (asset count against the
// 10,000 quota, CDN authorization, access logs), their packaging configurations (kind, segment
// length, manifests, encryption) and assets with the egress status per configuration and which
// configurations failed to ingest. ListAssets items carry no egress status, so each asset is
// described once, a few at a time.
import {
  DescribeAssetCommand,
  paginateListAssets,
  paginateListPackagingConfigurations,
  paginateListPackagingGroups,
  type MediaPackageVodClient,
  type PackagingConfiguration,
} from '@aws-sdk/client-mediapackage-vod';
import { egressOf, mediaPackageFailure, type Egress } from './asset.js';

/** One packaging configuration, summarised. */
export interface ConfigurationView {
  id: string;
  kind: 'hls' | 'dash' | 'cmaf' | 'mss' | 'unknown';
  segmentDurationSeconds?: number;
  manifests: string[];
  encrypted: boolean;
}

/** One packaging group with its configurations. */
export interface GroupView {
  id: string;
  arn?: string;
  domainName?: string;
  assetCount?: number;
  cdnAuthorization: boolean;
  accessLogGroup?: string;
  createdAt?: string;
  configurations: ConfigurationView[];
}

/** One asset with its egress status per configuration. */
export interface AssetView {
  id: string;
  packagingGroupId?: string;
  sourceArn?: string;
  createdAt?: string;
  tags: Record<string, string>;
  egress: Egress[];
  /** Configurations whose ingest FAILED. */
  failures: string[];
  /** Set when DescribeAsset itself failed. */
  error?: string;
}

/** Everything `vod status` shows. */
export interface VodOverview {
  groups: GroupView[];
  assets: AssetView[];
}

function configurationView(c: PackagingConfiguration): ConfigurationView {
  const pkg = c.HlsPackage ?? c.DashPackage ?? c.CmafPackage ?? c.MssPackage;
  const kind = c.HlsPackage
    ? 'hls'
    : c.DashPackage
      ? 'dash'
      : c.CmafPackage
        ? 'cmaf'
        : c.MssPackage
          ? 'mss'
          : 'unknown';
  const manifests = [
    ...(c.HlsPackage?.HlsManifests ?? []),
    ...(c.CmafPackage?.HlsManifests ?? []),
    ...(c.DashPackage?.DashManifests ?? []),
    ...(c.MssPackage?.MssManifests ?? []),
  ].map((m) => m.ManifestName ?? 'index');
  const view: ConfigurationView = {
    id: c.Id ?? '?',
    kind,
    manifests,
    encrypted: pkg?.Encryption !== undefined,
  };
  if (pkg?.SegmentDurationSeconds !== undefined) view.segmentDurationSeconds = pkg.SegmentDurationSeconds;
  return view;
}

// DescribeAsset calls at once: the API's request rate is limited per account.
const DESCRIBE_CONCURRENCY = 4;

/** Reads the overview, optionally for one packaging group. */
export async function vodOverview(
  mp: MediaPackageVodClient,
  options: { groupId?: string } = {},
): Promise<VodOverview> {
  try {
    const groups: GroupView[] = [];
    for await (const page of paginateListPackagingGroups({ client: mp }, {})) {
      for (const g of page.PackagingGroups ?? []) {
        if (options.groupId !== undefined && g.Id !== options.groupId) continue;
        const view: GroupView = {
          id: g.Id ?? '?',
          cdnAuthorization: g.Authorization?.CdnIdentifierSecret !== undefined,
          configurations: [],
        };
        if (g.Arn) view.arn = g.Arn;
        if (g.DomainName) view.domainName = g.DomainName;
        if (g.ApproximateAssetCount !== undefined) view.assetCount = g.ApproximateAssetCount;
        if (g.EgressAccessLogs?.LogGroupName) view.accessLogGroup = g.EgressAccessLogs.LogGroupName;
        if (g.CreatedAt) view.createdAt = g.CreatedAt;
        groups.push(view);
      }
    }
    for (const g of groups) {
      for await (const page of paginateListPackagingConfigurations(
        { client: mp },
        { PackagingGroupId: g.id },
      ))
        g.configurations.push(...(page.PackagingConfigurations ?? []).map(configurationView));
    }
    const shallow = [];
    for await (const page of paginateListAssets(
      { client: mp },
      options.groupId !== undefined ? { PackagingGroupId: options.groupId } : {},
    ))
      shallow.push(...(page.Assets ?? []));
    const assets: AssetView[] = shallow.map((a) => ({
      id: a.Id ?? '?',
      ...(a.PackagingGroupId !== undefined && { packagingGroupId: a.PackagingGroupId }),
      ...(a.SourceArn !== undefined && { sourceArn: a.SourceArn }),
      ...(a.CreatedAt !== undefined && { createdAt: a.CreatedAt }),
      tags: a.Tags ?? {},
      egress: [],
      failures: [],
    }));
    const queue = [...assets];
    await Promise.all(
      Array.from({ length: DESCRIBE_CONCURRENCY }, async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          try {
            a.egress = egressOf(await mp.send(new DescribeAssetCommand({ Id: a.id })));
            a.failures = a.egress.filter((e) => e.status === 'FAILED').map((e) => e.packagingConfigurationId);
          } catch (err) {
            a.error = (err as Error).message;
          }
        }
      }),
    );
    return { groups, assets };
  } catch (err) {
    throw mediaPackageFailure(err, 'listing packaging groups, configurations and assets');
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The overview as three plain-text tables. */
export function formatOverview(o: VodOverview): string {
  const groups = table(
    ['GROUP', 'ASSETS', 'CDN AUTH', 'ACCESS LOGS', 'DOMAIN'],
    o.groups.map((g) => [
      g.id,
      g.assetCount === undefined ? '?' : `${g.assetCount}/10000`,
      g.cdnAuthorization ? 'yes' : 'no',
      g.accessLogGroup ?? '-',
      g.domainName ?? '-',
    ]),
  );
  const configs = table(
    ['CONFIGURATION', 'GROUP', 'KIND', 'SEGMENT S', 'MANIFESTS', 'ENCRYPTED'],
    o.groups.flatMap((g) =>
      g.configurations.map((c) => [
        c.id,
        g.id,
        c.kind,
        c.segmentDurationSeconds === undefined ? '-' : String(c.segmentDurationSeconds),
        c.manifests.join(','),
        c.encrypted ? 'yes' : 'no',
      ]),
    ),
  );
  const assets = table(
    ['ASSET', 'GROUP', 'CREATED', 'EGRESS', 'FAILED'],
    o.assets.map((a) => [
      a.id,
      a.packagingGroupId ?? '-',
      a.createdAt ?? '-',
      a.error !== undefined
        ? `error: ${a.error}`
        : a.egress.map((e) => `${e.packagingConfigurationId}=${e.status}`).join(' '),
      a.failures.length > 0 ? a.failures.join(',') : '-',
    ]),
  );
  return `Packaging groups\n${groups}\n\nPackaging configurations\n${configs}\n\nAssets\n${assets}\n`;
}
