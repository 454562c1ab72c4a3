import { describe, expect, it } from 'vitest';
import { maskUrlSecrets, maskUrlsInText } from '../../src/auth/mask-url.ts';

describe('maskUrlSecrets', () => {
  it('masks the password of the userinfo and keeps the user name', () => {
    expect(maskUrlSecrets('http://user:secret@host.example/path')).toBe('http://user:***@host.example/path');
    expect(maskUrlSecrets('https://:tok@host.example:8443/')).toBe('https://:***@host.example:8443/');
    // The last `@` of the authority ends the userinfo, as a URL parser reads it.
    expect(maskUrlSecrets('http://u:p@ss@host.example/a@b')).toBe('http://u:***@host.example/a@b');
  });

  it('masks the password of a URL whose text hides its userinfo from a plain reading, written as a URL parser reads it', () => {
    expect(maskUrlSecrets('http:alice:S3cret@127.0.0.1:18500/ok')).toBe('http://alice:***@127.0.0.1:18500/ok');
    expect(maskUrlSecrets('http:/alice:S3cret@h.example/ok?token=t')).toBe('http://alice:***@h.example/ok?token=***');
    expect(maskUrlSecrets('http:\\\\alice:S3cret@h.example/ok')).toBe('http://alice:***@h.example/ok');
    expect(maskUrlSecrets(' https://alice:S3cret@h.example/')).toBe('https://alice:***@h.example/');
    expect(maskUrlSecrets('http:h.example/ok')).toBe('http:h.example/ok');
  });

  it('masks a user name that stands alone: such a user name is often a token (`https://ghp_x@github.com`)', () => {
    expect(maskUrlSecrets('https://ghp_T0k3n@h.example/org/repo.git')).toBe('https://***@h.example/org/repo.git');
    expect(maskUrlSecrets('http://user@host.example:8080/x?page=2')).toBe('http://***@host.example:8080/x?page=2');
    expect(maskUrlSecrets('http://a@b@host.example/')).toBe('http://***@host.example/');
    expect(maskUrlSecrets('http:tok@h.example/ok')).toBe('http://***@h.example/ok');
    // An empty userinfo hides nothing.
    expect(maskUrlSecrets('http://@host.example/')).toBe('http://@host.example/');
  });

  it('leaves URLs without userinfo or secret parameters alone', () => {
    for (const url of ['http://host.example:8080/x?a=1', 'example.com', 'https://h.example/p:a@b', 'https://h.example/x?u=a@b', '']) {
      expect(maskUrlSecrets(url)).toBe(url);
    }
  });

  it('masks the values of secret-looking query and fragment parameters, whatever their case, and nothing else', () => {
    expect(maskUrlSecrets('https://h.example/x?apikey=abc&page=2&TOKEN=t0k&Api_Key=k&sig=s&access_token=a')).toBe(
      'https://h.example/x?apikey=***&page=2&TOKEN=***&Api_Key=***&sig=***&access_token=***',
    );
    for (const name of ['key', 'secret', 'password', 'pass', 'auth', 'signature', 'client_secret', 'x-api-key', 'apiKey', 'private%5Ftoken', 'pwd', 'passwd']) {
      expect(maskUrlSecrets(`https://h.example/?${name}=v1&q=v2`), name).toBe(`https://h.example/?${name}=***&q=v2`);
    }
    for (const name of ['monkey', 'author', 'passage', 'keyboard', 'design']) {
      expect(maskUrlSecrets(`https://h.example/?${name}=v1`), name).toBe(`https://h.example/?${name}=v1`);
    }
    expect(maskUrlSecrets('https://h.example/cb#access_token=a&state=s')).toBe('https://h.example/cb#access_token=***&state=s');
  });

  it('keeps the rest of the URL byte for byte: encodings, empty values, bare names', () => {
    expect(maskUrlSecrets('https://u:p@h.example/a%20b?q=a+b%2Fc&token=&flag&key=x%20y#frag')).toBe(
      'https://u:***@h.example/a%20b?q=a+b%2Fc&token=&flag&key=***#frag',
    );
  });
});

describe('maskUrlsInText', () => {
  it('masks every URL in a message, quoted or not, and leaves the rest of the text alone', () => {
    expect(maskUrlsInText('Get "https://tok@h.example/x?key=k1&a=1": dial tcp 10.0.0.1:443: connect: connection refused')).toBe(
      'Get "https://***@h.example/x?key=***&a=1": dial tcp 10.0.0.1:443: connect: connection refused',
    );
    expect(maskUrlsInText('from http://u:p@a.example/ to <https://b.example/?sig=s> then HTTP 503')).toBe(
      'from http://u:***@a.example/ to <https://b.example/?sig=***> then HTTP 503',
    );
    expect(maskUrlsInText('HTTP 503 (expected 200-299)')).toBe('HTTP 503 (expected 200-299)');
  });
});
