import { AwsError } from './errors.js';

/** One armed failure: the next `times` calls of an operation fail with this error. */
export interface InjectedFault {
  code: string;
  message?: string;
  status?: number;
  /** How many calls fail before the operation works again; unlimited when omitted. */
  times?: number;
}

/**
 * Failures armed at run time by tests (or the CLI user) for named operations, so a caller's error
 * handling can be exercised against the real wire format without a special server.
 */
export class FaultInjector {
  readonly #armed = new Map<string, InjectedFault & { remaining: number }>();

  /** Make `operation` (e.g. "CreateAsset") fail with the given error until cleared or used up. */
  fail(operation: string, fault: InjectedFault): void {
    this.#armed.set(operation, { ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Forget one operation's fault, or all of them. */
  clear(operation?: string): void {
    if (operation === undefined) this.#armed.clear();
    else this.#armed.delete(operation);
  }

  /** Throws the armed error for `operation`, if any; services call this first in every operation. */
  check(operation: string): void {
    const fault = this.#armed.get(operation);
    if (fault === undefined) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#armed.delete(operation);
    throw new AwsError(
      fault.code,
      fault.message ?? `injected fault for ${operation}`,
      fault.status ?? (fault.code.includes('Internal') ? 500 : 400),
    );
  }
}

/**
 * The device's uplink as the cloud services see it. down(): every open connection to a service
 * behind it is cut at once (no FIN handshake the client could mistake for an answer: the socket is
 * destroyed) and new ones are closed as soon as they are accepted, as when a WAN link drops and the
 * client's connects time out or reset. up() restores it. Local parts of a core device (the nucleus,
 * the token exchange service, the MQTT broker standing in for IoT Core via the nucleus) are not
 * behind it.
 */
export class Uplink {
  #down = false;
  readonly #servers = new Set<import('node:net').Server>();
  readonly #sockets = new Set<import('node:net').Socket>();
  #cuts = 0;

  get isDown(): boolean {
    return this.#down;
  }

  /** Connections cut or refused while down, since start. */
  get cuts(): number {
    return this.#cuts;
  }

  down(): void {
    this.#down = true;
    for (const s of this.#sockets) {
      this.#cuts++;
      s.destroy();
    }
    this.#sockets.clear();
  }

  up(): void {
    this.#down = false;
  }

  /** Puts a service's listening server behind the uplink. */
  attach(server: import('node:net').Server): void {
    this.#servers.add(server);
    server.on('connection', (socket: import('node:net').Socket) => {
      if (this.#down) {
        this.#cuts++;
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.once('close', () => this.#servers.delete(server));
  }
}
