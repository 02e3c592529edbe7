import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';

/**
 * The guest's page loads only its own scripts and styles, talks only to this gateway, and
 * shows menu photos from anywhere on HTTPS (they live on the menu's image host). No inline
 * script or style, no framing (clickjacking a pay button), no referrer (an order id in the
 * tracking page's address stays here).
 */
export const ORDER_APP_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of Object.entries(ORDER_APP_HEADERS)) res.setHeader(name, value);
  next();
};

/**
 * The guests' ordering app (seed §10) at `/order/` on the gateway, no build step: the stores,
 * a store's menu, the cart, checkout and payment; the tracking page at `/order/track/?id=`.
 */
export function orderAppRoutes(app: Express): void {
  const dir = fileURLToPath(new URL('../../order-app/', import.meta.url));
  app.use('/order', securityHeaders, express.static(dir, { index: 'index.html', maxAge: 0 }));
}
