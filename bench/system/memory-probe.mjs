// Loaded into the component by the system benchmark only (node --import): every 2 s it appends the
// process's memory split (V8 heap, Buffers outside it, the rest) to the file named by
// KVS_EDGE_BENCH_MEMORY_FILE. Plain JavaScript so it needs no loader; the timer never keeps Node alive.
import { appendFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';

const file = process.env.KVS_EDGE_BENCH_MEMORY_FILE;
if (file) {
  setInterval(() => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    appendFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        mallocedMemory: h.malloced_memory,
      }) + '\n',
    );
  }, 2000).unref();
}
