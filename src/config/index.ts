// Component configuration: the keys of the Greengrass deployment (or of a standalone JSON/YAML file
// plus KVS_EDGE_* environment variables), validated by one schema with the defaults recipe.yaml
// ships. Under Greengrass, pass the object GetConfiguration returns to loadConfig (accessControl is
// ignored); standalone, call loadConfigFile(path, process.env). Errors are ConfigError with the key.
// Camera attributes come from SiteWise, not from here; the small value parsers are shared with them.
// docs/configuration.md lists the keys.
export {
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  LOG_LEVELS,
  FULL_SIZE_STRATEGIES,
  configSchema,
  type Config,
  type VodConfig,
  type ConfigLogLevel,
  type FullSizeStrategy,
} from './schema.js';
export {
  loadConfig,
  loadConfigFile,
  resolveRecordingsPath,
  ConfigError,
  type ConfigProblem,
} from './load.js';
export { ENV_VARIABLES } from './env.js';
export {
  ValueError,
  parseBoolean,
  parseWholeNumber,
  parseDurationMinutes,
  parseSizeMB,
  parseChoice,
  parseText,
} from './values.js';
