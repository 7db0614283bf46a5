// `vod setup`: the packaging group and its three packaging configurations (HLS-TS, DASH and CMAF,
// 6 s segments, one manifest named "index" each), created only where missing, so it is safe to run
// again. CDN authorization (a Secrets Manager secret holding the CDN identifier plus the role
// MediaPackage reads it with) is set on a new group, or updated on an existing one.
import {
  CreatePackagingConfigurationCommand,
  CreatePackagingGroupCommand,
  DescribePackagingConfigurationCommand,
  DescribePackagingGroupCommand,
  UpdatePackagingGroupCommand,
  type CreatePackagingConfigurationCommandInput,
  type MediaPackageVodClient,
} from '@aws-sdk/client-mediapackage-vod';
import { mediaPackageFailure } from './asset.js';
import { VodError, awsErrorName } from './errors.js';

/** Options of setupPackagingGroup. */
export interface SetupOptions {
  groupId: string;
  /** CDN authorization: both or neither. */
  cdnIdentifierSecretArn?: string;
  secretsRoleArn?: string;
  segmentDurationSeconds?: number;
}

/** What setup found and did. */
export interface SetupResult {
  groupId: string;
  domainName?: string;
  group: 'created' | 'existed' | 'updated';
  configurations: { id: string; kind: 'hls' | 'dash' | 'cmaf'; action: 'created' | 'existed' }[];
}

/** The packaging configurations setup makes: `<group>_hls`, `<group>_dash`, `<group>_cmaf`. */
export function defaultConfigurations(
  groupId: string,
  segmentDurationSeconds = 6,
): { kind: 'hls' | 'dash' | 'cmaf'; input: CreatePackagingConfigurationCommandInput }[] {
  const base = (kind: string) => ({ Id: `${groupId}_${kind}`, PackagingGroupId: groupId });
  return [
    {
      kind: 'hls',
      input: {
        ...base('hls'),
        HlsPackage: {
          SegmentDurationSeconds: segmentDurationSeconds,
          UseAudioRenditionGroup: true,
          HlsManifests: [
            {
              ManifestName: 'index',
              IncludeIframeOnlyStream: false,
              StreamSelection: { StreamOrder: 'ORIGINAL' },
            },
          ],
        },
      },
    },
    {
      kind: 'dash',
      input: {
        ...base('dash'),
        DashPackage: {
          SegmentDurationSeconds: segmentDurationSeconds,
          SegmentTemplateFormat: 'NUMBER_WITH_TIMELINE',
          DashManifests: [
            {
              ManifestName: 'index',
              ManifestLayout: 'FULL',
              MinBufferTimeSeconds: 30,
              Profile: 'NONE',
              StreamSelection: { StreamOrder: 'ORIGINAL' },
            },
          ],
        },
      },
    },
    {
      kind: 'cmaf',
      input: {
        ...base('cmaf'),
        CmafPackage: {
          SegmentDurationSeconds: segmentDurationSeconds,
          HlsManifests: [
            {
              ManifestName: 'index',
              IncludeIframeOnlyStream: true,
              StreamSelection: { StreamOrder: 'ORIGINAL' },
            },
          ],
        },
      },
    },
  ];
}

const isNotFound = (err: unknown) => awsErrorName(err).name === 'NotFoundException';

export async function setupPackagingGroup(
  mp: MediaPackageVodClient,
  options: SetupOptions,
): Promise<SetupResult> {
  const { groupId } = options;
  if ((options.cdnIdentifierSecretArn === undefined) !== (options.secretsRoleArn === undefined))
    throw new VodError('config', 'CDN authorization needs both the secret ARN and the secrets role ARN');
  const authorization =
    options.cdnIdentifierSecretArn !== undefined && options.secretsRoleArn !== undefined
      ? { CdnIdentifierSecret: options.cdnIdentifierSecretArn, SecretsRoleArn: options.secretsRoleArn }
      : undefined;
  const result: SetupResult = { groupId, group: 'existed', configurations: [] };
  try {
    const g = await mp.send(new DescribePackagingGroupCommand({ Id: groupId }));
    result.domainName = g.DomainName;
    const same =
      g.Authorization?.CdnIdentifierSecret === authorization?.CdnIdentifierSecret &&
      g.Authorization?.SecretsRoleArn === authorization?.SecretsRoleArn;
    if (authorization && !same) {
      await mp.send(new UpdatePackagingGroupCommand({ Id: groupId, Authorization: authorization }));
      result.group = 'updated';
    }
  } catch (err) {
    if (!isNotFound(err)) throw mediaPackageFailure(err, `DescribePackagingGroup ${groupId}`);
    try {
      const g = await mp.send(
        new CreatePackagingGroupCommand({
          Id: groupId,
          ...(authorization && { Authorization: authorization }),
        }),
      );
      result.domainName = g.DomainName;
      result.group = 'created';
    } catch (createErr) {
      throw mediaPackageFailure(createErr, `CreatePackagingGroup ${groupId}`);
    }
  }
  for (const { kind, input } of defaultConfigurations(groupId, options.segmentDurationSeconds)) {
    const id = input.Id!;
    try {
      await mp.send(new DescribePackagingConfigurationCommand({ Id: id }));
      result.configurations.push({ id, kind, action: 'existed' });
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw mediaPackageFailure(err, `DescribePackagingConfiguration ${id}`);
    }
    try {
      await mp.send(new CreatePackagingConfigurationCommand(input));
    } catch (err) {
      throw mediaPackageFailure(err, `CreatePackagingConfiguration ${id}`);
    }
    result.configurations.push({ id, kind, action: 'created' });
  }
  return result;
}
