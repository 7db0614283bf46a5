// Loading: defaults, then the source (Greengrass GetConfiguration object or a JSON/YAML file), then
// environment overrides when an environment is passed, then validation. Problems are collected, not
// thrown one at a time, so a user fixes a file in one go.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ENV_VARIABLES, environmentOverrides } from './env.js';
import { CONFIG_KEYS, configSchema, type Config } from './schema.js';
import { quote } from './values.js';

// Greengrass merges the recipe's accessControl into the configuration it hands the component.
const IGNORED_KEYS = new Set(['accessControl']);
const VOD_KEYS = ['S3Bucket', 'S3Prefix', 'PackagingGroupId', 'SourceRoleArn', 'Region'];

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** The key, `Vod.S3Bucket` for nested ones, or "" for the whole document. */
  key: string;
  message: string;
}

/** The configuration was rejected; `key` names the first offending key, `problems` lists all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly key: string;
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const lines = problems.map((p) => (p.key ? `${p.key}: ${p.message}` : p.message));
    super(
      lines.length === 1
        ? `invalid configuration: ${lines[0]}`
        : `invalid configuration:\n- ${lines.join('\n- ')}`,
    );
    this.key = problems[0]?.key ?? '';
    this.problems = problems;
  }
}

function unknownKey(key: string, allowed: readonly string[], prefix: string): ConfigProblem {
  const near = allowed.find((k) => k.toLowerCase() === key.toLowerCase());
  const hint = near ? ` (did you mean "${prefix}${near}"?)` : '';
  const where = prefix ? `in ${prefix.slice(0, -1)}` : 'keys';
  return { key: `${prefix}${key}`, message: `unknown key${hint}; allowed ${where}: ${allowed.join(', ')}` };
}

function describe(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  fromEnv: Set<string>,
): ConfigProblem[] {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) =>
      key === 'Vod' ? unknownKey(k, VOD_KEYS, 'Vod.') : unknownKey(k, CONFIG_KEYS, ''),
    );
  }
  const top = String(issue.path[0] ?? '');
  let message = issue.message;
  if (issue.code === 'invalid_type' && key === 'Vod') {
    message =
      `${quote(input.Vod)} is not allowed; use an object with S3Bucket, PackagingGroupId, SourceRoleArn ` +
      `and optionally S3Prefix and Region, or {} to turn VOD publishing off`;
  }
  const origin = fromEnv.has(top) ? ` (from ${ENV_VARIABLES[top as keyof Config]})` : '';
  return [{ key, message: `${message}${origin}` }];
}

/**
 * Validates a configuration object (what Greengrass GetConfiguration returns, or a parsed file).
 * With `env`, KVS_EDGE_* variables override the object's values (standalone runs; see env.ts).
 */
export function loadConfig(source: unknown, env?: Record<string, string | undefined>): Config {
  if (source !== undefined && source !== null && (typeof source !== 'object' || Array.isArray(source))) {
    throw new ConfigError([
      { key: '', message: `the configuration must be an object of keys and values, got ${quote(source)}` },
    ]);
  }
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    // A null value (Greengrass RESET, an empty YAML entry) means "the default".
    if (!IGNORED_KEYS.has(key) && value !== null) input[key] = value;
  }
  const problems: ConfigProblem[] = [];
  const fromEnv = new Set<string>();
  if (env) {
    const overrides = environmentOverrides(env);
    problems.push(...overrides.problems);
    for (const [key, value] of Object.entries(overrides.values)) {
      input[key] = value;
      fromEnv.add(key);
    }
  }
  const result = configSchema.safeParse(input);
  if (!result.success)
    problems.push(...result.error.issues.flatMap((issue) => describe(issue, input, fromEnv)));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data!;
}

/** Reads a JSON (.json) or YAML (anything else) file and validates it like loadConfig. */
export async function loadConfigFile(
  file: string,
  env?: Record<string, string | undefined>,
): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([{ key: '', message: `cannot read configuration file ${file} (${reason})` }]);
  }
  let parsed: unknown;
  try {
    parsed = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([
      {
        key: '',
        message: `configuration file ${file} does not parse: ${(error as Error).message.split('\n')[0]}`,
      },
    ]);
  }
  return loadConfig(parsed, env);
}

/**
 * Where recordings go. An empty RecordingsPath means the process's working folder under Greengrass
 * (the component work folder, where the reference wrote too) and `./recordings` standalone, so a run
 * from a checkout does not scatter camera folders over it. Relative paths are taken from `cwd`.
 */
export function resolveRecordingsPath(
  config: Config,
  options: { greengrass: boolean; cwd?: string },
): string {
  const cwd = options.cwd ?? process.cwd();
  if (config.RecordingsPath === '') return options.greengrass ? cwd : path.join(cwd, 'recordings');
  return path.resolve(cwd, config.RecordingsPath);
}
