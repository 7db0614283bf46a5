import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../http/index.js';

/** One version of a secret's value; binary values are kept base64 as on the wire. */
export interface SecretVersion {
  versionId: string;
  secretString?: string;
  secretBinary?: string;
  stages: string[];
  createdDate: number;
}

/** A secret with its versions, as persisted. */
export interface StoredSecret {
  name: string;
  arn: string;
  description?: string;
  createdDate: number;
  versions: SecretVersion[];
}

// Secrets Manager keeps at most ~100 versions; older ones without a label are dropped.
const MAX_VERSIONS = 100;
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

function notFound(): AwsError {
  return new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
}

/** Secrets by name, with AWS's ARN and staging-label rules. */
export class SecretStore {
  readonly #byName = new Map<string, StoredSecret>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    saved: StoredSecret[] = [],
  ) {
    for (const s of saved) this.#byName.set(s.name, s);
  }

  snapshot(): StoredSecret[] {
    return [...this.#byName.values()];
  }

  create(input: {
    name: string;
    secretString?: string;
    secretBinary?: string;
    clientRequestToken?: string;
    description?: string;
  }): { secret: StoredSecret; version?: SecretVersion } {
    if (!NAME.test(input.name)) {
      throw new AwsError(
        'InvalidParameterException',
        `Invalid name. Must be 1-512 of A-Za-z0-9/_+=.@-: ${input.name}`,
      );
    }
    if (this.#byName.has(input.name)) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.name} already exists.`,
      );
    }
    const secret: StoredSecret = {
      name: input.name,
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.name}-${randomBytes(3).toString('hex')}`,
      createdDate: Date.now(),
      versions: [],
      ...(input.description !== undefined && { description: input.description }),
    };
    this.#byName.set(secret.name, secret);
    const version =
      input.secretString !== undefined || input.secretBinary !== undefined
        ? this.#addVersion(secret, input)
        : undefined;
    return version === undefined ? { secret } : { secret, version };
  }

  /** Find by name, full ARN, or ARN without the random suffix. */
  find(secretId: string): StoredSecret {
    const direct = this.#byName.get(secretId);
    if (direct !== undefined) return direct;
    for (const s of this.#byName.values()) {
      if (s.arn === secretId || s.arn.slice(0, -7) === secretId) return s;
    }
    throw notFound();
  }

  getValue(
    secretId: string,
    versionId?: string,
    versionStage?: string,
  ): { secret: StoredSecret; version: SecretVersion } {
    const secret = this.find(secretId);
    const stage = versionStage ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
    const version = secret.versions.find(
      (v) =>
        (versionId === undefined || v.versionId === versionId) &&
        (stage === undefined || v.stages.includes(stage)),
    );
    if (version === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        versionId !== undefined
          ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
          : `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    return { secret, version };
  }

  putValue(input: {
    secretId: string;
    secretString?: string;
    secretBinary?: string;
    clientRequestToken?: string;
    versionStages?: string[];
  }): { secret: StoredSecret; version: SecretVersion } {
    const secret = this.find(input.secretId);
    return { secret, version: this.#addVersion(secret, input) };
  }

  #addVersion(
    secret: StoredSecret,
    input: {
      secretString?: string;
      secretBinary?: string;
      clientRequestToken?: string;
      versionStages?: string[];
    },
  ): SecretVersion {
    if (input.secretString !== undefined && input.secretBinary !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        'You can only specify one of SecretString and SecretBinary.',
      );
    }
    if (input.secretString === undefined && input.secretBinary === undefined) {
      throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    }
    const existing = secret.versions.find((v) => v.versionId === input.clientRequestToken);
    if (existing !== undefined) {
      // Same token and same value is an idempotent retry; a different value is a conflict.
      if (existing.secretString === input.secretString && existing.secretBinary === input.secretBinary)
        return existing;
      throw new AwsError(
        'ResourceExistsException',
        `You can't modify an existing version ${existing.versionId}; use a new ClientRequestToken.`,
      );
    }
    const stages = input.versionStages ?? ['AWSCURRENT'];
    for (const stage of stages) {
      for (const v of secret.versions) {
        if (!v.stages.includes(stage)) continue;
        v.stages = v.stages.filter((s) => s !== stage);
        // The version losing AWSCURRENT becomes AWSPREVIOUS, as in AWS.
        if (stage === 'AWSCURRENT') {
          for (const other of secret.versions) other.stages = other.stages.filter((s) => s !== 'AWSPREVIOUS');
          v.stages.push('AWSPREVIOUS');
        }
      }
    }
    const version: SecretVersion = {
      versionId: input.clientRequestToken ?? randomUUID(),
      stages,
      createdDate: Date.now(),
      ...(input.secretString !== undefined && { secretString: input.secretString }),
      ...(input.secretBinary !== undefined && { secretBinary: input.secretBinary }),
    };
    secret.versions.push(version);
    if (secret.versions.length > MAX_VERSIONS) {
      const drop = secret.versions.findIndex((v) => v.stages.length === 0);
      if (drop >= 0) secret.versions.splice(drop, 1);
    }
    return version;
  }
}
