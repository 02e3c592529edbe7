import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';

/** A Content-Security-Policy, directive by directive (`{ 'script-src': "'self'" }`). */
export type CspDirectives = Readonly<Record<string, string>>;

// The security headers of the pages the hub and the gateway serve: a Content-Security-Policy
// built from directives, no framing, no content sniffing, no referrer.

/**
 * Nothing may load, and no page may frame this answer: what every answer of the gateway carries
 * unless the page it serves says what it needs (an API's JSON needs nothing). A page a service
 * renders behind the gateway (the simulated bank's 3-D Secure check) gets this too: it may post
 * its form back here and nothing else.
 */
export const LOCKED_DOWN: CspDirectives = {
  'default-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

/** A page made of its own files: scripts, styles and API calls from this origin only. */
export const SAME_ORIGIN_APP: CspDirectives = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  // Menu photos live on the menu's image host, anywhere on HTTPS.
  'img-src': "'self' https: data:",
  'connect-src': "'self'",
  'base-uri': "'none'",
  // Forms are sent by script; a form that would navigate (script failed) must not carry a
  // password into an address.
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const policy = (directives: CspDirectives) =>
  Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');

/** The CSP source that allows exactly this inline `<script>` or `<style>` body. */
export const inlineHash = (body: string) =>
  `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;

/**
 * Framing refused (clickjacking a publish or a pay button), content types not guessed, and no
 * referrer: addresses here can hold an order id.
 */
export function securityHeaders(
  csp: CspDirectives,
  extra: Readonly<Record<string, string>> = {},
): Readonly<Record<string, string>> {
  return {
    'content-security-policy': policy(csp),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...extra,
  };
}

/** Set the headers on every answer that passes; a later handler (or upstream) may replace them. */
export function withSecurityHeaders(
  csp: CspDirectives,
  extra: Readonly<Record<string, string>> = {},
): RequestHandler {
  const headers = Object.entries(securityHeaders(csp, extra));
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
