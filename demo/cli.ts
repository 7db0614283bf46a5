// `npm run demo [-- --keep]`: the demo runs from a checkout (it needs the local cloud and the test
// camera, which never ship to a device), so it is not a subcommand of the installed `kvs-edge`.
import { runDemo } from './main.js';

process.exitCode = await runDemo(process.argv.slice(2));
