import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as verifyArgon2 } from '@node-rs/argon2';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/**
 * Staff PINs, hashed by the cloud's auth service and carried to each store's hub in its roster,
 * are salted scrypt hashes in PHC string form (`$scrypt$ln=11,r=8,p=1$<salt>$<hash>`): cheap
 * enough that a hub checks a PIN against every member of the roster at sign-in. argon2id PHC
 * strings are accepted too (PINs set before scrypt was used), at about 50 ms each. A 4–8 digit
 * PIN has little entropy whatever the hash: what protects it is that the roster goes only to
 * the store's own hub and that sign-in is throttled.
 */
const DEFAULT = { ln: 11, r: 8, p: 1 };

export const PIN_PATTERN = /^[0-9]{4,8}$/;

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(pin, salt, 32, { N: 2 ** DEFAULT.ln, r: DEFAULT.r, p: DEFAULT.p });
  return `$scrypt$ln=${DEFAULT.ln},r=${DEFAULT.r},p=${DEFAULT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPin(pin: string, phc: string): Promise<boolean> {
  if (phc.startsWith('$argon2id$')) return verifyArgon2(phc, pin).catch(() => false);
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(phc);
  if (!match) return false;
  const [, ln, r, p, salt, expected] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const want = Buffer.from(expected, 'base64url');
  const got = await scrypt(pin, Buffer.from(salt, 'base64url'), want.length, {
    N: 2 ** Number(ln),
    r: Number(r),
    p: Number(p),
  });
  return got.length === want.length && timingSafeEqual(got, want);
}
