// Shared plumbing for the local cloud's HTTP services: a loopback server that stops at once, bounded
// body reading, the AWS error value every service throws, JSON request bodies, and run-time fault
// injection.
//
// Each service owns its routing and wire format; this folder only keeps the pieces they would otherwise
// copy. Nothing here knows about a particular AWS protocol.
export { startHttpServer, readBody, sendJson, type HttpService, type HttpHandler } from './server.js';
export { AwsError, jsonBody } from './errors.js';
export { FaultInjector, Uplink, type InjectedFault } from './faults.js';
