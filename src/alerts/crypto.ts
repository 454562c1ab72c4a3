import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks a sealed value, so plaintext written before a key was configured still reads back as it is. */
export const ENCRYPTED_PREFIX = 'enc:v1:';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptError extends Error {
  override name = 'SecretDecryptError';
}

export interface SecretBox {
  /** True when values are encrypted at rest (a key is configured). */
  readonly encrypts: boolean;
  /** Encrypts with a fresh random nonce, so equal plaintexts give different results; without a key, returns the input. */
  seal(plain: string): string;
  /** Decrypts a sealed value and passes plaintext through; throws SecretDecryptError on a wrong key or damaged value. */
  open(stored: string): string;
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(ENCRYPTED_PREFIX);
}

/** AES-256-GCM for secrets at rest (alert settings, HTTP auth secrets), keyed by UPTOP_ENCRYPTION_KEY. */
export function createSecretBox(key?: Buffer): SecretBox {
  if (key && key.length !== KEY_BYTES) {
    throw new RangeError(`the encryption key must be ${KEY_BYTES} bytes (64 hex characters), got ${key.length} bytes`);
  }
  return {
    encrypts: key !== undefined,
    seal(plain) {
      if (!key) return plain;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, nonce);
      const sealed = Buffer.concat([nonce, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return ENCRYPTED_PREFIX + sealed.toString('base64');
    },
    open(stored) {
      if (!isEncrypted(stored)) return stored;
      if (!key) throw new SecretDecryptError('a stored secret is encrypted but UPTOP_ENCRYPTION_KEY is not set');
      const sealed = Buffer.from(stored.slice(ENCRYPTED_PREFIX.length), 'base64');
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptError('a stored secret is damaged (too short to be encrypted)');
      try {
        const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, NONCE_BYTES));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptError('cannot decrypt a stored secret: wrong UPTOP_ENCRYPTION_KEY or damaged value');
      }
    },
  };
}
