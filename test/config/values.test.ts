import t from 'tap';
import {
  ValueError,
  parseBoolean,
  parseChoice,
  parseDurationMinutes,
  parseSizeMB,
  parseText,
  parseWholeNumber,
} from '../../src/config/index.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValueError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}

t.test('booleans', async (t) => {
  t.equal(parseBoolean(true), true);
  t.equal(parseBoolean(' False '), false);
  t.equal(parseBoolean('TRUE'), true);
  t.equal(
    message(() => parseBoolean('1')),
    'VALUE_INVALID: "1" is not allowed; use true or false',
  );
  t.equal(
    message(() => parseBoolean(undefined)),
    'VALUE_INVALID: nothing is not allowed; use true or false',
  );
});

t.test('whole numbers, minutes and megabytes', async (t) => {
  t.equal(parseWholeNumber('42'), 42);
  t.equal(parseWholeNumber(' +7 '), 7);
  t.equal(parseWholeNumber(5, 1, 10), 5);
  t.equal(
    message(() => parseWholeNumber(11, 1, 10)),
    'VALUE_INVALID: 11 is not allowed; use a whole number from 1 to 10',
  );
  t.equal(
    message(() => parseWholeNumber('1e3')),
    'VALUE_INVALID: "1e3" is not allowed; use a whole number >= 0',
  );
  t.equal(
    message(() => parseWholeNumber(null)),
    'VALUE_INVALID: null is not allowed; use a whole number >= 0',
  );
  t.equal(parseDurationMinutes('60'), 60);
  t.equal(
    message(() => parseDurationMinutes(-1)),
    'VALUE_INVALID: -1 is not allowed; use a whole number >= 0',
  );
  t.equal(parseSizeMB(0), 0);
  t.equal(
    message(() => parseSizeMB(1.5)),
    'VALUE_INVALID: 1.5 is not allowed; use a whole number >= 0',
  );
});

t.test('choices and text', async (t) => {
  t.equal(parseChoice(' Info ', ['debug', 'info'] as const), 'info');
  t.equal(
    message(() => parseChoice(3, ['a', 'b'])),
    'VALUE_INVALID: 3 is not allowed; use one of a, b',
  );
  t.equal(parseText('  x '), 'x');
  t.equal(
    message(() => parseText({})),
    'VALUE_INVALID: {} is not allowed; use text',
  );
});
