// Composition root of the Greengrass component (recipe Run: node dist/main.js).
//
// The runtime (SiteWise configuration, cameras, uploads) is wired here by the connector runtime work;
// until then the entry point says so plainly instead of pretending to run.
import { createLogger } from './log/index.js';

export async function runComponent(): Promise<number> {
  const log = createLogger({ name: 'kvs-edge' });
  log.error('the connector runtime is not built yet; `npm run demo` runs the camera smoke check');
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runComponent();
}
