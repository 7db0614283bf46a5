import path from 'node:path';

// Environment for a Node child a test spawns through tsx. tap's coverage hook would follow the child
// and merge coverage recorded against tsx's transpiled lines into the report of the same source files
// compiled by tap's own loader, where the lines do not match: the report then marks covered code as
// uncovered, differently from run to run. The parent test's own coverage is unaffected.
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, _TAPJS_PROCESSINFO_COVERAGE_: '0', NODE_V8_COVERAGE: '' };
}

// What tap hands its test processes to load TypeScript and record coverage: these variables and the
// --import flags in process.execArgv (its ts-node loader and its coverage hook).
const TAP_RUNTIME = /^(_TAPJS_PROCESSINFO_\w+|TS_NODE_\w+|NODE_OPTIONS)$/;

/**
 * How to start a Node child that runs the component's TypeScript sources. Under tap it loads them the
 * way the test process does (tap's loader, not tsx) with tap's coverage hook still on, so what the child
 * runs is counted in the same lines as what the test runs itself; outside tap (the fault suite, a run by
 * hand) it is tsx. `env` is the child's whole environment unless `inherit` keeps this process's.
 */
export function tsChild(
  env: Record<string, string | undefined> = {},
  { inherit = true }: { inherit?: boolean } = {},
): { execArgv: string[]; env: NodeJS.ProcessEnv } {
  const underTap = process.env._TAPJS_PROCESSINFO_CWD_ !== undefined && process.execArgv.length > 0;
  if (!underTap) return { execArgv: ['--import', 'tsx'], env: inherit ? childEnv(env) : { ...env } };
  const tap = Object.fromEntries(Object.entries(process.env).filter(([k]) => TAP_RUNTIME.test(k)));
  return {
    execArgv: process.execArgv,
    // ts-node looks for its tsconfig from the child's working folder, which a test may move.
    env: { ...(inherit ? process.env : tap), TS_NODE_PROJECT: path.resolve('tsconfig.json'), ...env },
  };
}
