/** A configuration change as the nucleus reports it: which component, which key path. */
export type ConfigurationListener = (componentName: string, keyPath: string[]) => void;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Component configurations (component name -> JSON object) with change listeners. Tests and the CLI
 * change configuration through set()/merge(); subscribers hear about every change at, above or below
 * the key path they watch.
 */
export class ConfigurationTree {
  readonly #configs = new Map<string, Record<string, Json>>();
  readonly #listeners = new Set<{
    componentName: string;
    keyPath: string[];
    listener: ConfigurationListener;
  }>();

  constructor(initial: Record<string, Record<string, unknown>> = {}) {
    for (const [name, config] of Object.entries(initial))
      this.#configs.set(name, structuredClone(config) as Record<string, Json>);
  }

  /** The node at keyPath, or undefined when a key on the way is missing. */
  get(componentName: string, keyPath: string[]): unknown {
    let node: Json | undefined = this.#configs.get(componentName);
    for (const key of keyPath) {
      if (!isObject(node)) return undefined;
      node = node[key];
    }
    return node === undefined ? undefined : structuredClone(node);
  }

  /** Replace the node at keyPath (creating parents); an empty path replaces the whole configuration. */
  set(componentName: string, keyPath: string[], value: unknown): void {
    this.#write(componentName, keyPath, structuredClone(value) as Json, false);
  }

  /** Merge an object into the node at keyPath, like a deployment's MERGE or IPC UpdateConfiguration. */
  merge(componentName: string, keyPath: string[], value: Record<string, unknown>): void {
    this.#write(componentName, keyPath, structuredClone(value) as Json, true);
  }

  /** Listen for changes related to keyPath; returns the unsubscribe. */
  subscribe(componentName: string, keyPath: string[], listener: ConfigurationListener): () => void {
    const entry = { componentName, keyPath, listener };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  #write(componentName: string, keyPath: string[], value: Json, merge: boolean): void {
    if (keyPath.length === 0) {
      if (!isObject(value)) throw new Error('a whole component configuration must be an object');
      this.#configs.set(
        componentName,
        merge ? deepMerge(this.#configs.get(componentName) ?? {}, value) : value,
      );
    } else {
      let node = this.#configs.get(componentName);
      if (node === undefined) {
        node = {};
        this.#configs.set(componentName, node);
      }
      for (const key of keyPath.slice(0, -1)) {
        const next: Json | undefined = node[key];
        node = isObject(next) ? next : (node[key] = {});
      }
      const last = keyPath.at(-1)!;
      const old = node[last];
      node[last] = merge && isObject(old) && isObject(value) ? deepMerge(old, value) : value;
    }
    for (const { componentName: c, keyPath: watched, listener } of this.#listeners) {
      if (c !== componentName) continue;
      const n = Math.min(watched.length, keyPath.length);
      if (watched.slice(0, n).every((k, i) => k === keyPath[i])) listener(componentName, [...keyPath]);
    }
  }
}

function deepMerge(target: Record<string, Json>, source: Record<string, Json>): Record<string, Json> {
  for (const [key, value] of Object.entries(source)) {
    const old = target[key];
    target[key] = isObject(old) && isObject(value) ? deepMerge(old, value) : value;
  }
  return target;
}
