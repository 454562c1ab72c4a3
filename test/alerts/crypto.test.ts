import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_PREFIX, SecretDecryptError, createSecretBox, isEncrypted } from '../../src/alerts/crypto.ts';

const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const SETTINGS = JSON.stringify({ url: 'https://hooks.example.com/T0KEN', note: 'ünïcødé ✓' });

describe('createSecretBox with a key', () => {
  const box = createSecretBox(KEY);

  it('round-trips, and the stored form neither shows nor contains the plaintext', () => {
    const sealed = box.seal(SETTINGS);
    expect(box.encrypts).toBe(true);
    expect(sealed.startsWith(ENCRYPTED_PREFIX)).toBe(true);
    expect(isEncrypted(sealed)).toBe(true);
    expect(sealed).not.toContain('T0KEN');
    expect(box.open(sealed)).toBe(SETTINGS);
  });

  it('gives a different ciphertext every time for the same plaintext', () => {
    const sealed = new Set(Array.from({ length: 50 }, () => box.seal(SETTINGS)));
    expect(sealed.size).toBe(50);
    for (const value of sealed) expect(box.open(value)).toBe(SETTINGS);
  });

  it('round-trips the empty string', () => {
    expect(box.open(box.seal(''))).toBe('');
  });

  it('passes plaintext through, so rows written before the key was set still read', () => {
    expect(isEncrypted(SETTINGS)).toBe(false);
    expect(box.open(SETTINGS)).toBe(SETTINGS);
  });

  it('fails clearly with the wrong key', () => {
    const sealed = box.seal(SETTINGS);
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(sealed)).toThrow(SecretDecryptError);
    expect(() => other.open(sealed)).toThrow('cannot decrypt a stored secret: wrong UPTOP_ENCRYPTION_KEY or damaged value');
  });

  it('detects a tampered or truncated ciphertext', () => {
    const sealed = box.seal(SETTINGS);
    const bytes = Buffer.from(sealed.slice(ENCRYPTED_PREFIX.length), 'base64');
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 1;
    expect(() => box.open(ENCRYPTED_PREFIX + bytes.toString('base64'))).toThrow(SecretDecryptError);
    expect(() => box.open(`${ENCRYPTED_PREFIX}AAAA`)).toThrow('a stored secret is damaged (too short to be encrypted)');
  });
});

describe('createSecretBox without a key', () => {
  const box = createSecretBox();

  it('stores and reads plaintext as it is', () => {
    expect(box.encrypts).toBe(false);
    expect(box.seal(SETTINGS)).toBe(SETTINGS);
    expect(box.open(SETTINGS)).toBe(SETTINGS);
  });

  it('refuses to pretend an encrypted value is plaintext', () => {
    const sealed = createSecretBox(KEY).seal(SETTINGS);
    expect(() => box.open(sealed)).toThrow('a stored secret is encrypted but UPTOP_ENCRYPTION_KEY is not set');
  });
});

describe('bad keys', () => {
  it.each([0, 16, 31, 33, 64])('rejects a %i-byte key', (length) => {
    expect(() => createSecretBox(Buffer.alloc(length, 1))).toThrow(`the encryption key must be 32 bytes (64 hex characters), got ${length} bytes`);
  });
});
