/**
 * `npm run audit`: the dependencies that ship (`--omit=dev`) checked against the npm registry's
 * advisory database; any advisory rated high or critical fails the run, naming the package, the
 * advisory and whether `npm audit fix` can resolve it.
 *
 * Some registries (a mirror, a proxy that allows only downloads) do not answer the advisory
 * endpoint. Then nothing was checked: the run says so loudly and passes, unless
 * `AUDIT_REQUIRED=1`, where an unanswered audit fails like a failed one (set it wherever the
 * public registry is reachable).
 */
import { spawnSync } from 'node:child_process';

const FAILING = new Set(['high', 'critical']);

interface Vulnerability {
  name: string;
  severity: string;
  via: (string | { title?: string; url?: string; severity?: string })[];
  fixAvailable: boolean | { name: string; version: string; isSemVerMajor?: boolean };
}

interface AuditReport {
  vulnerabilities?: Record<string, Vulnerability>;
  metadata?: { vulnerabilities?: Record<string, number> };
  /** Present instead of a report when the advisory endpoint did not answer. */
  message?: string;
  statusCode?: number;
  error?: unknown;
}

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
let report: AuditReport;
try {
  report = JSON.parse(run.stdout) as AuditReport;
} catch {
  console.error(`npm audit printed no report (exit ${run.status}):\n${run.stderr}`);
  process.exit(1);
}

if (!report.vulnerabilities) {
  const why = report.message ?? JSON.stringify(report.error ?? report).slice(0, 300);
  const required = process.env.AUDIT_REQUIRED === '1';
  console.error(
    `${required ? 'FAILED' : 'WARNING'}: the registry's advisory database did not answer, so no ` +
      `dependency was checked (${why}).`,
  );
  process.exit(required ? 1 : 0);
}

const serious = Object.values(report.vulnerabilities).filter((v) => FAILING.has(v.severity));
const counts = report.metadata?.vulnerabilities ?? {};
console.log(
  `npm audit (shipped dependencies): ${Object.entries(counts)
    .filter(([level]) => level !== 'total')
    .map(([level, n]) => `${n} ${level}`)
    .join(', ')}`,
);
for (const v of serious) {
  const advisories = v.via
    .map((via) => (typeof via === 'string' ? `through ${via}` : `${via.title} ${via.url ?? ''}`))
    .join('; ');
  const fix =
    v.fixAvailable === false
      ? 'no fix published'
      : v.fixAvailable === true
        ? 'npm audit fix resolves it'
        : `fixed by ${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (a major upgrade)' : ''}`;
  console.error(`${v.severity.toUpperCase()} ${v.name}: ${advisories} (${fix})`);
}
process.exit(serious.length > 0 ? 1 : 0);
