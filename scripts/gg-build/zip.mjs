// Writes a zip from a list of entries. Entry modes are recorded, but the Greengrass nucleus ignores
// them when it unpacks (Unarchiver.unzip writes plain files and ComponentManager then applies the
// recipe's artifact Permission to every file), so nothing may depend on them on a device.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import yazl from 'yazl';

/**
 * entries: { name, file } (a file on disk) or { name, text } (generated content). Returns the zip's
 * size in bytes and its entry names.
 */
export async function writeZip(zipPath, entries) {
  const zip = new yazl.ZipFile();
  const names = [];
  for (const entry of entries) {
    if (entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
      throw new Error(`zip entry outside the archive: ${entry.name}`);
    }
    const mode = entry.mode ?? 0o100644;
    if (entry.file !== undefined) zip.addFile(entry.file, entry.name, { mode });
    else zip.addBuffer(Buffer.from(entry.text), entry.name, { mode });
    names.push(entry.name);
  }
  await new Promise((resolve, reject) => {
    const out = createWriteStream(zipPath);
    out.on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
    zip.end();
  });
  return { bytes: (await stat(zipPath)).size, names };
}
