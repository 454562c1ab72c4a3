import { describe, expect, it } from 'vitest';
import { maskUrlSecrets } from '../../src/auth/mask-url.ts';

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

  it('leaves URLs without a password alone', () => {
    for (const url of ['http://user@host.example:8080/x', 'http://host.example:8080/x?a=1', 'example.com', 'https://h.example/p:a@b', '']) {
      expect(maskUrlSecrets(url)).toBe(url);
    }
  });

  it('masks the values of secret-looking query and fragment parameters, whatever their case, and nothing else', () => {
    expect(maskUrlSecrets('https://h.example/x?apikey=abc&page=2&TOKEN=t0k&Api_Key=k&sig=s&access_token=a')).toBe(
      'https://h.example/x?apikey=***&page=2&TOKEN=***&Api_Key=***&sig=***&access_token=***',
    );
    for (const name of ['key', 'secret', 'password', 'pass', 'auth', 'signature', 'client_secret', 'x-api-key', 'apiKey', 'private%5Ftoken']) {
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
