// Small value parsers shared by the component configuration and the per-camera SiteWise attributes.
// Greengrass hands numbers over as strings now and then ("60") and booleans as "true"; both are
// accepted. Each parser throws a ValueError whose message quotes the value and says what is allowed;
// the caller puts the key or attribute name in front.

/** A value that does not parse; `message` reads well after "<key>: ". */
export class ValueError extends Error {
  readonly code = 'VALUE_INVALID';
  override readonly name = 'ValueError';
}

/** How a value reads in an error message: strings quoted, everything else as JSON. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** true/false, also as the strings "true"/"false" in any case. */
export function parseBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  throw new ValueError(`${quote(value)} is not allowed; use true or false`);
}

/** A whole number within [min, max], also written as a string of digits. */
export function parseWholeNumber(value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const allowed =
      max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new ValueError(`${quote(value)} is not allowed; use ${allowed}`);
  }
  return n;
}

/** Minutes (CaptureDurationInMinutes, LocalDataRetentionPeriodInMinutes): a whole number >= 0. */
export function parseDurationMinutes(value: unknown): number {
  return parseWholeNumber(value, 0);
}

/** Megabytes (MaxLocalMediaSizeInMB): a whole number >= 0, 0 meaning no limit. */
export function parseSizeMB(value: unknown): number {
  return parseWholeNumber(value, 0);
}

/** One of a fixed list, in any case; returns the list's spelling. */
export function parseChoice<T extends string>(value: unknown, choices: readonly T[]): T {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const found = choices.find((choice) => choice.toLowerCase() === text);
  if (found === undefined)
    throw new ValueError(`${quote(value)} is not allowed; use one of ${choices.join(', ')}`);
  return found;
}

/** A string; numbers are not silently turned into text. */
export function parseText(value: unknown): string {
  if (typeof value !== 'string') throw new ValueError(`${quote(value)} is not allowed; use text`);
  return value.trim();
}
