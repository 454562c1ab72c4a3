import { describe, expect, it } from 'vitest';
import { isCodeAccepted, parseAcceptedCodes, validateAcceptedCodes } from '../../src/engine/checks/accepted-codes.ts';

describe('isCodeAccepted', () => {
  // The Go original's table (checker_test.go TestIsCodeAccepted).
  it.each([
    [200, '', true],
    [299, '', true],
    [300, '', false],
    [302, '200-399', true],
    [400, '200-399', false],
    [301, '200,301,404', true],
    [500, '200,301,404', false],
    [404, '200-299,400-499', true],
    [500, '200-299,400-499', false],
  ])('%i against %j is %s', (code, spec, accepted) => {
    expect(isCodeAccepted(code, spec)).toBe(accepted);
  });

  it('treats null and blank as the default 200-299', () => {
    expect(isCodeAccepted(204, null)).toBe(true);
    expect(isCodeAccepted(199, '  ')).toBe(false);
  });

  it('tolerates spaces and ignores malformed parts at check time, like the original', () => {
    expect(isCodeAccepted(301, ' 200 - 299 , 301 ')).toBe(true);
    expect(isCodeAccepted(418, 'abc,418')).toBe(true);
    expect(isCodeAccepted(200, 'abc')).toBe(false);
  });
});

describe('parseAcceptedCodes', () => {
  it('yields inclusive ranges and the parts it could not read', () => {
    expect(parseAcceptedCodes('200-299,301')).toEqual({
      ranges: [
        { min: 200, max: 299 },
        { min: 301, max: 301 },
      ],
      invalid: [],
    });
    expect(parseAcceptedCodes('200-,2xx,300-200,99,099,1000,1-2-3').invalid).toEqual(['200-', '2xx', '300-200', '99', '099', '1000', '1-2-3']);
  });

  it("reads any three-digit code a server can send, up to 999, as Go's client and Uptime Kuma take them", () => {
    expect(parseAcceptedCodes('600,700-799,999,100-999')).toEqual({
      ranges: [
        { min: 600, max: 600 },
        { min: 700, max: 799 },
        { min: 999, max: 999 },
        { min: 100, max: 999 },
      ],
      invalid: [],
    });
    expect(isCodeAccepted(999, '200-299,999')).toBe(true);
    expect(isCodeAccepted(650, '600-699')).toBe(true);
  });
});

describe('validateAcceptedCodes', () => {
  it('accepts lists, ranges and blank', () => {
    for (const spec of ['200-299', '200-299,301', '200, 301 ,404', '100-599', '100-999', '600', '']) expect(validateAcceptedCodes(spec)).toBeNull();
  });

  it('names the first malformed part', () => {
    expect(validateAcceptedCodes('200-299,abc')).toBe(
      'acceptedCodes: "abc" is not an HTTP status code (100-999) or a range such as 200-299; use a comma-separated list like "200-299,301"',
    );
    expect(validateAcceptedCodes('200-1000')).toContain('"200-1000"');
    expect(validateAcceptedCodes('300-200')).toContain('"300-200"');
    expect(validateAcceptedCodes('200,,301')).toContain('an empty entry');
  });
});
