// Environment for a Node child a test spawns through tsx. tap's coverage hook would follow the child
// and merge coverage recorded against tsx's transpiled lines into the report of the same source files
// compiled by tap's own loader, where the lines do not match: the report then marks covered code as
// uncovered, differently from run to run. The parent test's own coverage is unaffected.
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, _TAPJS_PROCESSINFO_COVERAGE_: '0', NODE_V8_COVERAGE: '' };
}
