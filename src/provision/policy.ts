// The IAM policy the device role (the Greengrass token exchange role, or the standalone user) needs:
// exactly the calls the component makes. Streams are scoped to the file's stream names when a file is
// given; SiteWise has no useful resource scoping for discovery, so it stays "*".
export interface PolicyOptions {
  /** Stream names to scope KVS permissions to; all streams when empty. */
  streamNames?: string[];
  region?: string;
  account?: string;
  /** Add the MediaPackage VOD and S3 permissions (component key Vod). */
  vod?: { bucket?: string };
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string | string[] }[];
}

export function devicePolicy(options: PolicyOptions = {}): PolicyDocument {
  const region = options.region ?? '*';
  const account = options.account ?? '*';
  const streams =
    options.streamNames && options.streamNames.length > 0
      ? options.streamNames.map((n) => `arn:aws:kinesisvideo:${region}:${account}:stream/${n}/*`)
      : `arn:aws:kinesisvideo:${region}:${account}:stream/*`;
  const statements: PolicyDocument['Statement'] = [
    {
      Sid: 'ReadCameraConfigurationAndWriteStatus',
      Effect: 'Allow',
      Action: [
        'iotsitewise:DescribeAsset',
        'iotsitewise:DescribeAssetModel',
        'iotsitewise:ListAssociatedAssets',
        'iotsitewise:GetAssetPropertyValue',
        'iotsitewise:GetAssetPropertyValueHistory',
        'iotsitewise:BatchPutAssetPropertyValue',
      ],
      Resource: '*',
    },
    {
      Sid: 'ReadCameraSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: `arn:aws:secretsmanager:${region}:${account}:secret:*`,
    },
    {
      Sid: 'StreamVideo',
      Effect: 'Allow',
      Action: [
        'kinesisvideo:DescribeStream',
        'kinesisvideo:CreateStream',
        'kinesisvideo:TagStream',
        'kinesisvideo:GetDataEndpoint',
        'kinesisvideo:PutMedia',
      ],
      Resource: streams,
    },
  ];
  if (options.vod) {
    const bucket = options.vod.bucket ?? '*';
    statements.push(
      {
        Sid: 'VodClips',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject'],
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
      { Sid: 'VodBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${bucket}` },
      {
        Sid: 'VodAssets',
        Effect: 'Allow',
        Action: [
          'mediapackage-vod:CreateAsset',
          'mediapackage-vod:DescribeAsset',
          'mediapackage-vod:DescribePackagingGroup',
        ],
        Resource: '*',
      },
      { Sid: 'VodPassRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: '*' },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}
