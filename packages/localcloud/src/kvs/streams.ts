// The stream table behind the control plane: what CreateStream made, its status and tags. Persisted as
// one JSON file under stateDir so a restarted local cloud still knows its streams.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** One stream, in the wire field names of StreamInfo plus its tags. */
export interface StreamRecord {
  StreamName: string;
  StreamARN: string;
  DeviceName?: string;
  MediaType?: string;
  KmsKeyId: string;
  Version: string;
  Status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
  /** Epoch seconds (restJson1 timestamps are epoch seconds on the wire). */
  CreationTime: number;
  DataRetentionInHours: number;
  Tags: Record<string, string>;
}

export class StreamTable {
  readonly #streams = new Map<string, StreamRecord>();
  readonly #file: string | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    stateDir?: string,
  ) {
    this.#file = stateDir === undefined ? undefined : path.join(stateDir, 'kvs', 'streams.json');
    if (this.#file && existsSync(this.#file)) {
      for (const s of JSON.parse(readFileSync(this.#file, 'utf8')) as StreamRecord[]) {
        // A stream that was still CREATING when the process stopped finished creating meanwhile.
        this.#streams.set(s.StreamName, { ...s, Status: 'ACTIVE' });
      }
    }
  }

  get(nameOrArn: { StreamName?: string; StreamARN?: string }): StreamRecord | undefined {
    if (nameOrArn.StreamName !== undefined) return this.#streams.get(nameOrArn.StreamName);
    return [...this.#streams.values()].find((s) => s.StreamARN === nameOrArn.StreamARN);
  }

  all(): StreamRecord[] {
    return [...this.#streams.values()].sort((a, b) => a.StreamName.localeCompare(b.StreamName));
  }

  create(
    input: Omit<StreamRecord, 'StreamARN' | 'KmsKeyId' | 'Version' | 'Status' | 'CreationTime'> & {
      KmsKeyId?: string;
    },
    activationDelayMs: number,
  ): StreamRecord {
    const now = Date.now();
    const record: StreamRecord = {
      ...input,
      StreamARN: `arn:aws:kinesisvideo:${this.region}:${this.accountId}:stream/${input.StreamName}/${now}`,
      KmsKeyId: input.KmsKeyId ?? `arn:aws:kms:${this.region}:${this.accountId}:alias/aws/kinesisvideo`,
      Version: randomBytes(10).toString('hex'),
      Status: activationDelayMs > 0 ? 'CREATING' : 'ACTIVE',
      CreationTime: now / 1000,
    };
    this.#streams.set(record.StreamName, record);
    if (activationDelayMs > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        record.Status = 'ACTIVE';
        this.save();
      }, activationDelayMs);
      this.#timers.add(timer);
    }
    this.save();
    return record;
  }

  delete(name: string): void {
    this.#streams.delete(name);
    this.save();
  }

  save(): void {
    if (!this.#file) return;
    mkdirSync(path.dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, JSON.stringify(this.all(), null, 2));
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
