// A Greengrass core device for tests: what the nucleus does with a recipe and its artifacts, written
// from the nucleus's source (github.com/aws-greengrass/aws-greengrass-nucleus, paths below are under
// src/main/java/com/aws/greengrass/). docs/deploy.md lists the same rules for people.
//
// - Platform: the first manifest whose os/architecture match the device (config/PlatformResolver.java:
//   x86_64 -> amd64, aarch64 -> aarch64, arm* -> arm).
// - Artifacts go to <root>/packages/artifacts/<name>/<version>/; a ZIP is unpacked into
//   <root>/packages/artifacts-unarchived/<name>/<version>/<file name without extension>/
//   (componentmanager/ComponentManager.java getFileName + util/NucleusPaths.java), see zip.ts.
// - Permissions: folders 0755, every file gets the artifact's Permission (Read OWNER / Execute NONE
//   by default: owner and group read), zip modes are ignored (util/Permissions.setArtifactPermission,
//   componentmanager/models/Permission.toFileSystemPermission); then the files (not the artifact
//   folders themselves) and the work folder <root>/work/<name> (0700) are given to the run-as user
//   (lifecyclemanager/RunWithPathOwnershipHandler.java).
// - Variables: {artifacts:path}, {artifacts:decompressedPath}, {work:path}, {kernel:rootPath},
//   {iot:thingName}, {configuration:<JSON pointer>} (strings as they are, anything else as JSON), and
//   {<component>:<namespace>:<key>} for direct dependencies only (componentmanager/KernelConfigResolver.java).
// - Lifecycle steps run as `sh -c <script>` in the work folder (lifecyclemanager/ShellRunner.java,
//   util/platforms/unix/UnixPlatform.ShDecorator); RequiresPrivilege runs as root, otherwise as the
//   run-as user through `sudo -n -E -H -u` (UnixPlatform.SudoDecorator; here: spawn's uid/gid with
//   HOME set). Install times out after 120 s unless Timeout says otherwise, Shutdown after 15 s
//   (lifecyclemanager/Lifecycle.java DEFAULT_*_STAGE_TIMEOUT_IN_SEC).
// - Environment: the nucleus's own (inherited), its setenv values AWS_REGION, AWS_DEFAULT_REGION
//   (deployment/DeviceConfiguration.java), AWS_IOT_THING_NAME (same), the IPC socket path
//   AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT (ipc/IPCEventStreamService.java),
//   AWS_CONTAINER_CREDENTIALS_FULL_URI (tes/TokenExchangeService.java), then per step SVCUID and
//   AWS_CONTAINER_AUTHORIZATION_TOKEN (= the SVCUID) and GG_ROOT_CA_PATH (ShellRunner.java).
// - Stop: the Shutdown step first (GenericExternalService.shutdown), then SIGTERM to every descendant
//   of the Run process and to the process itself, up to 5 s wait for each, SIGKILL for whatever is
//   still alive (util/platforms/unix/UnixExec.close, UnixPlatform.killProcessAndChildren).
// - Logs: each component's stdout and stderr lines go to <root>/logs/<name>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { unzipLikeNucleus } from './zip.js';

/** A component as GDK's build leaves it: the recipe and the folder holding its artifacts. */
export interface BuiltComponent {
  recipeFile: string;
  artifactDir: string;
}

/** The nucleus services a component talks to (the local cloud's stand-ins). */
export interface NucleusServices {
  socketPath: string;
  /** The SVCUID of the component that uses IPC; the token exchange service accepts it as token. */
  svcuid: string;
  credentialsUri: string;
  /** Seeds the IPC stand-in's configuration of a component (called once per deployment). */
  setConfiguration(componentName: string, value: Record<string, unknown>): void;
}

export interface DeviceOptions {
  /** The nucleus root, /greengrass/v2 on a device. */
  root: string;
  thingName: string;
  region: string;
  /** The nucleus process's environment, which component processes inherit. */
  env: Record<string, string>;
  services: NucleusServices;
  /** The default run-as user (ggc_user on a device); undefined runs as the current user. */
  runAs?: { uid: number; gid: number; home: string };
}

type Step =
  string | { Script: string; Timeout?: number; RequiresPrivilege?: boolean; Setenv?: Record<string, string> };
interface Manifest {
  Platform?: { os?: string; architecture?: string };
  Artifacts?: { URI: string; Unarchive?: string; Permission?: { Read?: string; Execute?: string } }[];
  Lifecycle?: Record<string, Step>;
}
interface Recipe {
  ComponentName: string;
  ComponentVersion: string;
  ComponentDependencies?: Record<string, { VersionRequirement?: string; DependencyType?: string }>;
  ComponentConfiguration?: { DefaultConfiguration?: Record<string, unknown> };
  Manifests: Manifest[];
}

/** What the nucleus saw when it stopped a component. */
export interface StopResult {
  shutdownExitCode: number | null;
  /** Some process was still alive 5 s after SIGTERM and got SIGKILL. */
  killed: boolean;
  exitCode: number | null;
  signal: string | null;
  ms: number;
}

/** A component running on the device. */
export interface RunningComponent {
  name: string;
  child: ChildProcess;
  /** Parsed JSON lines of its stdout. */
  lines: Record<string, unknown>[];
  stderr(): string;
  workPath: string;
  logFile: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<StopResult>;
}

const INSTALL_TIMEOUT_S = 120;
const SHUTDOWN_TIMEOUT_S = 15;
const GRACEFUL_STOP_MS = 5_000;

export function greengrassArchitecture(): string {
  // PlatformResolver.getArchInfo, from the JVM's os.arch.
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'aarch64';
  if (process.arch === 'arm') return 'arm';
  return process.arch;
}

export class GreengrassDevice {
  readonly #options: DeviceOptions;
  readonly #installed = new Map<
    string,
    { recipe: Recipe; manifest: Manifest; config: Record<string, unknown> }
  >();
  readonly #running = new Set<RunningComponent>();

  constructor(options: DeviceOptions) {
    this.#options = options;
  }

  get root(): string {
    return this.#options.root;
  }

  artifactPath(name: string, version: string): string {
    return path.join(this.root, 'packages', 'artifacts', name, version);
  }

  decompressedPath(name: string, version: string): string {
    return path.join(this.root, 'packages', 'artifacts-unarchived', name, version);
  }

  workPath(name: string): string {
    return path.join(this.root, 'work', name);
  }

  /**
   * One deployment: the components in dependency order, each with its configuration update (MERGE
   * onto DefaultConfiguration). Prepares artifacts and runs Install; returns the components in order.
   */
  async deploy(
    components: BuiltComponent[],
    merge: Record<string, Record<string, unknown>> = {},
  ): Promise<Recipe[]> {
    const recipes: Recipe[] = [];
    for (const built of components) {
      const recipe = parse(await readFile(built.recipeFile, 'utf8')) as Recipe;
      const name = recipe.ComponentName;
      for (const [dep, props] of Object.entries(recipe.ComponentDependencies ?? {})) {
        if (dep.startsWith('aws.greengrass.')) continue; // nucleus built-ins (TokenExchangeService)
        const have = this.#installed.get(dep);
        if (!have) throw new Error(`${name} depends on ${dep}, which this deployment does not install first`);
        if (props.VersionRequirement && !satisfies(have.recipe.ComponentVersion, props.VersionRequirement)) {
          throw new Error(
            `${dep} ${have.recipe.ComponentVersion} does not satisfy ${name}'s ${props.VersionRequirement}`,
          );
        }
      }
      const manifest = selectManifest(recipe);
      const config = deepMerge(
        structuredClone(recipe.ComponentConfiguration?.DefaultConfiguration ?? {}),
        merge[name] ?? {},
      );
      await this.#prepare(recipe, manifest, built);
      this.#installed.set(name, { recipe, manifest, config });
      this.#options.services.setConfiguration(name, config);
      const install = manifest.Lifecycle?.Install;
      if (install !== undefined) {
        const result = await this.#step(name, 'install', install, INSTALL_TIMEOUT_S);
        if (result.timedOut) throw new Error(`${name}: Timeout in install`);
        if (result.code !== 0)
          throw new Error(`${name}: Script errored in install (exit ${result.code}): ${result.output}`);
      }
      recipes.push(recipe);
    }
    return recipes;
  }

  /** Starts the Run step of an installed component. */
  start(name: string): RunningComponent {
    const installed = this.#installed.get(name);
    const run = installed?.manifest.Lifecycle?.Run;
    if (!installed || run === undefined) throw new Error(`${name} has no Run step`);
    const { script, privileged, env } = this.#resolveStep(name, run);
    const child = this.#spawn(script, privileged, env, this.workPath(name));
    const logFile = path.join(this.root, 'logs', `${name}.log`);
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    let partial = '';
    child.stdout!.on('data', (b: Buffer) => {
      appendFileSync(logFile, b);
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a JSON log line
        }
      }
    });
    child.stderr!.on('data', (b: Buffer) => {
      appendFileSync(logFile, b);
      stderr += b.toString();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let stopping: Promise<StopResult> | undefined;
    const component: RunningComponent = {
      name,
      child,
      lines,
      stderr: () => stderr,
      workPath: this.workPath(name),
      logFile,
      exited,
      stop: () => (stopping ??= this.#stop(component, installed.manifest)),
    };
    this.#running.add(component);
    void exited.then(() => this.#running.delete(component));
    return component;
  }

  /** Stops whatever still runs (test teardown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running].map((c) => c.stop()));
  }

  async #prepare(recipe: Recipe, manifest: Manifest, built: BuiltComponent): Promise<void> {
    const { ComponentName: name, ComponentVersion: version } = recipe;
    const artifacts = this.artifactPath(name, version);
    const unarchived = this.decompressedPath(name, version);
    await mkdir(artifacts, { recursive: true, mode: 0o755 });
    await mkdir(unarchived, { recursive: true, mode: 0o755 });
    for (const artifact of manifest.Artifacts ?? []) {
      const file = path.posix.basename(artifact.URI);
      const downloaded = path.join(artifacts, file);
      await copyFile(path.join(built.artifactDir, file), downloaded);
      const mode = permissionMode(artifact.Permission);
      await chmod(downloaded, mode);
      if (artifact.Unarchive === 'ZIP') {
        const into = path.join(unarchived, file.includes('.') ? file.slice(0, file.lastIndexOf('.')) : file);
        await unzipLikeNucleus(downloaded, into);
        await setArtifactPermission(into, mode);
      }
    }
    const work = this.workPath(name);
    await mkdir(work, { recursive: true });
    // NucleusPaths.workPath -> Permissions.setServiceWorkPathPermission: owner only.
    await chmod(work, 0o700);
    const runAs = this.#options.runAs;
    if (runAs) {
      for (const dir of [artifacts, unarchived]) {
        for (const entry of await readdir(dir)) await chownTree(path.join(dir, entry), runAs);
      }
      await chownTree(work, runAs);
    }
  }

  #resolveStep(
    name: string,
    step: Step,
  ): { script: string; privileged: boolean; env: Record<string, string>; timeout?: number } {
    const s = typeof step === 'string' ? { Script: step } : step;
    const o = this.#options;
    const env: Record<string, string> = {
      ...o.env,
      AWS_REGION: o.region,
      AWS_DEFAULT_REGION: o.region,
      AWS_IOT_THING_NAME: o.thingName,
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: o.services.socketPath,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: o.services.credentialsUri,
      ...(s.Setenv ?? {}),
      SVCUID: o.services.svcuid,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: o.services.svcuid,
      GG_ROOT_CA_PATH: '',
    };
    if (o.runAs && !s.RequiresPrivilege) env.HOME = o.runAs.home;
    return {
      script: this.interpolate(name, s.Script),
      privileged: s.RequiresPrivilege === true,
      env,
      ...(s.Timeout !== undefined && { timeout: s.Timeout }),
    };
  }

  /** Recipe variables of component `name`, as KernelConfigResolver replaces them. */
  interpolate(name: string, text: string): string {
    const own = this.#installed.get(name);
    if (!own) throw new Error(`${name} is not installed`);
    const value = (component: string, namespace: string, key: string): string | undefined => {
      const c = this.#installed.get(component);
      if (!c) return undefined;
      const { ComponentName: n, ComponentVersion: v } = c.recipe;
      if (namespace === 'artifacts' && key === 'path') return this.artifactPath(n, v);
      if (namespace === 'artifacts' && key === 'decompressedPath') return this.decompressedPath(n, v);
      if (namespace === 'work' && key === 'path') return this.workPath(n);
      if (namespace === 'kernel' && key === 'rootPath') return this.root;
      if (namespace === 'iot' && key === 'thingName') return this.#options.thingName;
      if (namespace === 'configuration') {
        const node = jsonPointer(c.config, key);
        if (node === undefined) return undefined;
        return typeof node === 'string' ? node : JSON.stringify(node);
      }
      return undefined;
    };
    const dependencies = Object.keys(own.recipe.ComponentDependencies ?? {});
    const crossed = text.replace(
      /\{([.\w-]+):([.\w-]+):([^:}]*)\}/g,
      (all, component: string, ns: string, key: string) =>
        dependencies.includes(component) ? (value(component, ns, key) ?? all) : all,
    );
    return crossed.replace(
      /\{([.\w-]+):([^:}]*)\}/g,
      (all, ns: string, key: string) => value(name, ns, key) ?? all,
    );
  }

  #spawn(script: string, privileged: boolean, env: Record<string, string>, cwd: string): ChildProcess {
    const runAs = this.#options.runAs;
    return spawn('sh', ['-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs && !privileged && { uid: runAs.uid, gid: runAs.gid }),
    });
  }

  async #step(name: string, label: string, step: Step, defaultTimeoutS: number) {
    const { script, privileged, env, timeout } = this.#resolveStep(name, step);
    const child = this.#spawn(script, privileged, env, this.workPath(name));
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    appendFileSync(path.join(this.root, 'logs', `${name}.log`), `[${label}] ${script}\n`);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        void killTree(child.pid!, 'SIGKILL');
      },
      (timeout ?? defaultTimeoutS) * 1000,
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    appendFileSync(path.join(this.root, 'logs', `${name}.log`), output);
    return { code, timedOut, output };
  }

  async #stop(component: RunningComponent, manifest: Manifest): Promise<StopResult> {
    const started = Date.now();
    let shutdownExitCode: number | null = null;
    const shutdown = manifest.Lifecycle?.Shutdown;
    if (component.child.exitCode === null && component.child.signalCode === null && shutdown !== undefined) {
      shutdownExitCode = (await this.#step(component.name, 'shutdown', shutdown, SHUTDOWN_TIMEOUT_S)).code;
    }
    let killed = false;
    if (component.child.exitCode === null && component.child.signalCode === null) {
      const pid = component.child.pid!;
      const pids = [...(await descendants(pid)), pid];
      for (const p of pids) signal(p, 'SIGTERM');
      for (const p of pids) {
        const deadline = Date.now() + GRACEFUL_STOP_MS;
        while (alive(p) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      const survivors = pids.filter(alive);
      if (survivors.length > 0) {
        killed = true;
        for (const p of survivors) signal(p, 'SIGKILL');
      }
    }
    const { code, signal: sig } = await component.exited;
    return { shutdownExitCode, killed, exitCode: code, signal: sig, ms: Date.now() - started };
  }
}

/** The nucleus root: 0755 (NucleusPaths.setRootPath -> Permissions.setRootPermission), with logs/. */
export async function prepareRoot(root: string): Promise<void> {
  await mkdir(path.join(root, 'logs'), { recursive: true });
  await chmod(root, 0o755);
}

function selectManifest(recipe: Recipe): Manifest {
  const arch = greengrassArchitecture();
  const m = recipe.Manifests.find(
    (x) =>
      (x.Platform?.os === undefined || x.Platform.os === 'linux' || x.Platform.os === '*') &&
      (x.Platform?.architecture === undefined || x.Platform.architecture === arch),
  );
  if (!m) throw new Error(`${recipe.ComponentName} has no manifest for linux/${arch}`);
  return m;
}

/** Permission.toFileSystemPermission (owner always reads; the owner write bit is only added for non-root nuclei). */
function permissionMode(p: { Read?: string; Execute?: string } = {}): number {
  const read = p.Read ?? 'OWNER';
  const exec = p.Execute ?? 'NONE';
  let mode = 0o400;
  if (exec === 'ALL' || exec === 'OWNER') mode |= 0o100 | 0o040 | 0o010;
  if (read === 'ALL' || read === 'OWNER') mode |= 0o040;
  if (read === 'ALL' || exec === 'ALL') mode |= 0o004;
  if (exec === 'ALL') mode |= 0o001;
  if (process.getuid?.() !== 0) mode |= 0o200;
  return mode;
}

async function setArtifactPermission(p: string, mode: number): Promise<void> {
  const s = await stat(p);
  if (s.isDirectory()) {
    await chmod(p, 0o755);
    for (const entry of await readdir(p)) await setArtifactPermission(path.join(p, entry), mode);
  } else {
    await chmod(p, mode);
  }
}

async function chownTree(p: string, user: { uid: number; gid: number }): Promise<void> {
  await chown(p, user.uid, user.gid);
  if ((await stat(p)).isDirectory()) {
    for (const entry of await readdir(p)) await chownTree(path.join(p, entry), user);
  }
}

/** Every process whose parent chain leads to pid (oshi getDescendantProcesses). */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[1]) parents.set(Number(entry), Number(fields[1]));
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === p && !out.includes(child)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

async function killTree(pid: number, sig: NodeJS.Signals): Promise<void> {
  for (const p of [...(await descendants(pid)), pid]) signal(p, sig);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0) until its parent reaps it; it is not running any more.
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function jsonPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deepMerge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const old = target[k];
    target[k] = isObject(old) && isObject(v) ? deepMerge(old, v) : structuredClone(v);
  }
  return target;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Greengrass version requirements as the recipes here use them: space-separated >=, >, <=, <, = bounds. */
export function satisfies(version: string, requirement: string): boolean {
  const parse = (v: string) => v.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const v = parse(version);
  return requirement.split(/\s+/).every((bound) => {
    const m = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(bound);
    if (!m) throw new Error(`unsupported version requirement ${requirement}`);
    const c = cmp(v, parse(m[2]!));
    switch (m[1]) {
      case '>=':
        return c >= 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '<':
        return c < 0;
      default:
        return c === 0;
    }
  });
}
