// Reading a zip the way the Greengrass nucleus unpacks an artifact with Unarchive: ZIP
// (componentmanager/Unarchiver.java in aws-greengrass-nucleus): every entry goes to
// <destination>/<entry name>; an entry that would land outside the destination fails the whole
// unpack; a file already there with the same size is left alone; entry modes are not applied.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';

export interface ZipEntry {
  name: string;
  directory: boolean;
  data: Buffer;
}

/** Every entry with its contents, in zip order. */
export function readZip(file: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      const entries: ZipEntry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        const directory = entry.fileName.endsWith('/');
        if (directory) {
          entries.push({ name: entry.fileName, directory, data: Buffer.alloc(0) });
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.once('error', reject);
          stream.once('end', () => {
            entries.push({ name: entry.fileName, directory, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.once('end', () => resolve(entries));
      zip.once('error', reject);
      zip.readEntry();
    });
  });
}

/** Unpacks `file` into `destination` as the nucleus does; returns the files written. */
export async function unzipLikeNucleus(file: string, destination: string): Promise<string[]> {
  const root = path.resolve(destination);
  const written: string[] = [];
  for (const entry of await readZip(file)) {
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(root + path.sep)) {
      throw new Error(`Entry is outside of the target dir: ${entry.name}`);
    }
    if (entry.directory) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size === entry.data.length) continue;
    await writeFile(target, entry.data);
    written.push(target);
  }
  return written;
}
