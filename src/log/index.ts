// Logging: one pino root per process, a child per camera, and redaction at the sink. JSON lines for
// Greengrass and anything that parses them; readable lines (pino-pretty) when a person watches a TTY.
//
// Callers are expected to redact URLs themselves (redactUrl); the sink scrub below is the second line
// of defence, so a password that slips into an error message or a child's stderr still never reaches
// stdout or the Greengrass log file.
import { pino, type Logger, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a collecting stream. */
  destination?: { write(line: string): unknown };
  /** Secret values (camera passwords, secret strings) to mask wherever they appear. */
  secrets?: SecretRegistry;
  name?: string;
  /**
   * Readable lines instead of JSON (pino-pretty). Default: only when writing to stdout and stdout is a
   * terminal, i.e. a person runs it; Greengrass and pipes get JSON.
   */
  pretty?: boolean;
}

// userinfo with a password inside any scheme://user:password@host, also inside longer text.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):([^\s@/"'<>]*)@/gi;

/** rtsp://user:pass@host/path -> rtsp://user:***@host/path; text without a password is unchanged. */
export function redactUrl(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@');
}

/**
 * Secret values that must never be printed. Values are matched literally, raw and in the escaped forms
 * they take inside JSON log lines and URLs, because a secret rarely reaches a log in its raw shape.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    // Very short values would mask ordinary words all over the log; they are not worth hiding.
    if (value === undefined || value.length < 4) return;
    this.#values.add(value);
    this.#values.add(JSON.stringify(value).slice(1, -1));
    this.#values.add(encodeURIComponent(value));
  }

  scrub(text: string): string {
    let out = redactUrl(text);
    for (const value of this.#values) {
      if (out.includes(value)) out = out.split(value).join('***');
    }
    return out;
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const target = options.destination ?? process.stdout;
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const format = pretty
    ? prettyFactory({
        colorize: options.destination === undefined,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
      })
    : (line: string) => line;
  // Scrubbed before formatting, so a secret is masked in both forms.
  const sink: DestinationStream = { write: (line: string) => void target.write(format(secrets.scrub(line))) };
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: options.name ?? 'kvs-edge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    sink,
  );
}

/** The logger every line about one camera goes through, so lines can be filtered by camera. */
export function cameraLogger(root: Logger, cameraId: string, streamName?: string): Logger {
  return root.child(streamName === undefined ? { cameraId } : { cameraId, stream: streamName });
}
