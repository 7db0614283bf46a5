// Messages between the system benchmark and its local-cloud process (fork IPC channel).

/** One fragment as the KVS stand-in holds it. */
export interface KvsFragment {
  producerMs: number;
  /** When the stand-in had the whole fragment; it sends PERSISTED right after. */
  serverMs: number;
  /** First to last frame start. */
  durationMs: number;
  frames: number;
}

export type CloudRequest =
  | {
      type: 'setup';
      thingName: string;
      cameras: number;
      rtspUrl: string;
      /** The component's Greengrass configuration. */
      configuration: Record<string, unknown>;
    }
  | { type: 'fragments'; streams: string[] }
  | { type: 'stop' };

export interface SetupReply {
  type: 'ready';
  env: Record<string, string>;
  cameras: { assetId: string; streamName: string }[];
}

export type CloudReply =
  | SetupReply
  | { type: 'fragments'; streams: Record<string, KvsFragment[]> }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
