import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every file in the repository (committed, and new files not ignored, so a key is caught before
// it is committed) is read for credentials: private keys, cloud and payment keys, signed tokens,
// passwords in connection strings and in committed `.env` files. A credential that reaches the
// history stays there; the only cure is to rotate it, so none may get in.

const root = resolve(import.meta.dirname, '../../..');
const SELF = 'e2e/src/security/secrets.test.ts';

interface Detector {
  name: string;
  pattern: RegExp;
  /** A value that looks like a real one, made at run time so this file holds none. */
  sample: string;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const DETECTORS: readonly Detector[] = [
  {
    name: 'private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
    sample: `-----BEGIN ${'RSA '}PRIVATE KEY-----`,
  },
  {
    name: 'AWS access key id',
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
    sample: `AKIA${'Q3EGHJ7NWK2LPX4M'}`,
  },
  {
    name: 'AWS secret access key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/i,
    sample: `aws_secret_access_key = ${'wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY1'}`,
  },
  {
    // Live keys move money; test-mode keys open a real Stripe account's test data.
    name: 'Stripe secret or restricted key',
    pattern: /\b[rs]k_(?:live|test)_[0-9A-Za-z_]{3,}/,
    sample: `sk_${'live'}_51Habc0123456789ABCDEFxyz`,
  },
  {
    name: 'Stripe webhook signing secret',
    pattern: /\bwhsec_[0-9A-Za-z]{20,}/,
    sample: `whsec_${'a1b2c3d4e5f6g7h8i9j0k1l2'}`,
  },
  {
    name: 'GitHub or Slack token',
    pattern: /\b(?:gh[pousr]_[0-9A-Za-z]{36}|xox[abprs]-[0-9A-Za-z-]{10,})/,
    sample: `ghp_${'a'.repeat(36)}`,
  },
  {
    name: 'Google API key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/,
    sample: `AIza${'b'.repeat(35)}`,
  },
  {
    // Header and claims both JSON objects, and a signature: a token someone copied from a log.
    name: 'signed JWT',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
    sample: `${b64({ alg: 'EdDSA', kid: 'k1' })}.${b64({ sub: 'someone', roles: ['owner'] })}.${'s'.repeat(43)}`,
  },
  {
    // `scheme://user:password@host`, except on this machine's loopback, where the password only
    // opens a local service's built-in account (RabbitMQ's guest:guest is refused from elsewhere).
    name: 'password in a connection URL',
    pattern:
      /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"`]+:(?!password@|\$\{)[^/\s@'"`]+@(?!127\.0\.0\.1[:/]|localhost[:/]|\[::1\])[^\s/'"`]+/,
    sample: `postgres://pos:${'hunter22'}@db.internal:5432/pos`,
  },
];

/** `NAME=value` in a committed env file, for names that hold a secret. */
const ENV_SECRET =
  /^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|PIN)[A-Z0-9_]*\s*=\s*(.+)$/m;
/** Examples are meant to be committed: their values must stay empty or placeholders. */
const isEnvFile = (path: string) => /^\.env(?:\..+)?$|\.env$/.test(basename(path));
const PLACEHOLDER =
  /^(?:["']?\s*["']?|["']?(?:changeme|change-me|xxx+|<[^>]+>|\$\{[^}]+\})["']?)$/i;

/**
 * Obviously fake values that a detector matches, by file and value, each with why it is safe.
 * A listed value that no longer occurs fails the test, so the list cannot go stale.
 */
const ALLOWED: readonly { file: string; value: string; why: string }[] = [
  {
    file: 'hardware/src/card-readers/stripe-stand-in.ts',
    value: 'sk_test_stand_in',
    why: 'the key the local Stripe Terminal stand-in accepts; Stripe never issued it',
  },
  {
    file: 'cloud-services/src/online/payments/stripe-intents-stand-in.ts',
    value: 'sk_test_intents_stand_in',
    why: 'the key the local PaymentIntents stand-in accepts; Stripe never issued it',
  },
  {
    file: 'cloud-services/src/online/payments/stripe-processor.test.ts',
    value: 'sk_test_wrong',
    why: 'a key the stand-in must refuse, to test the rejected-key path',
  },
  {
    file: 'cloud-services/src/online/payments/stripe-processor.test.ts',
    value: 'sk_test_abc123',
    why: 'only read to choose the Stripe processor from the environment; no request is sent',
  },
];

function repositoryFiles(): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return [...new Set(out.toString('utf8').split('\0').filter(Boolean))];
}

function readText(path: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(root, path));
  } catch {
    return undefined; // deleted in the work tree but not yet from the index
  }
  return bytes.subarray(0, 8_000).includes(0) ? undefined : bytes.toString('utf8');
}

/** Every match of every detector in `text`, with its line number. */
function findSecrets(path: string, text: string) {
  const found: { path: string; line: number; detector: string; value: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const d of DETECTORS) {
      const global = new RegExp(d.pattern.source, `${d.pattern.flags.replace('g', '')}g`);
      for (const m of line.matchAll(global)) {
        found.push({ path, line: i + 1, detector: d.name, value: m[0] });
      }
    }
    if (isEnvFile(path)) {
      const env = ENV_SECRET.exec(line);
      if (env?.[1] && !PLACEHOLDER.test(env[1].replace(/\s+#.*$/, '').trim()))
        found.push({ path, line: i + 1, detector: 'secret in an env file', value: line.trim() });
    }
  });
  return found;
}

describe('no credentials in the repository', () => {
  it('each detector recognises a credential of its kind', () => {
    for (const d of DETECTORS) expect(d.pattern.test(d.sample), d.name).toBe(true);
    expect(findSecrets('deploy/.env', 'DB_PASSWORD=s3cret-value')).toHaveLength(1);
    expect(findSecrets('.env.example', 'DB_PASSWORD=')).toHaveLength(0);
    expect(findSecrets('x.ts', "'amqp://guest:guest@127.0.0.1:5672'")).toHaveLength(0);
  });

  it('no tracked or new file holds a private key, live or test API key, signed token or password', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const allowedSeen = new Set<string>();
    const leaks: string[] = [];
    for (const path of files) {
      const text = readText(path);
      if (text === undefined) continue;
      for (const hit of findSecrets(path, text)) {
        // The list below names its values once more, here.
        if (path === SELF && ALLOWED.some((a) => a.value === hit.value)) continue;
        const allowed = ALLOWED.find((a) => a.file === path && hit.value.startsWith(a.value));
        if (allowed && hit.value === allowed.value) {
          allowedSeen.add(`${allowed.file} ${allowed.value}`);
          continue;
        }
        leaks.push(`${path}:${hit.line} ${hit.detector}: ${hit.value.slice(0, 12)}…`);
      }
    }
    expect(leaks).toEqual([]);
    const stale = ALLOWED.map((a) => `${a.file} ${a.value}`).filter((k) => !allowedSeen.has(k));
    expect(stale, 'allowlisted values that no longer occur').toEqual([]);
  });

  it('no .env file with values is committed (only examples with empty values)', () => {
    const envFiles = repositoryFiles().filter(isEnvFile);
    const filled = envFiles.filter(
      (path) =>
        !/\.(?:example|sample|template)$/.test(path) && (readText(path) ?? '').trim() !== '',
    );
    expect(filled).toEqual([]);
  });
});
