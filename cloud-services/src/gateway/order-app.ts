import { fileURLToPath } from 'node:url';
import { SAME_ORIGIN_APP, withSecurityHeaders } from '@pos/kit/http/page-headers';
import express, { type Express } from 'express';

/**
 * The guest's page loads only its own scripts and styles, talks only to this gateway, and
 * shows menu photos from anywhere on HTTPS (they live on the menu's image host). No inline
 * script or style, no framing (clickjacking a pay button), no referrer (an order id in the
 * tracking page's address stays here).
 */
const securityHeaders = withSecurityHeaders(
  { ...SAME_ORIGIN_APP, 'manifest-src': "'self'" },
  // A guest's phone is never asked for its camera, microphone, place or a browser payment.
  { 'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()' },
);

/**
 * The guests' ordering app (seed §10) at `/order/` on the gateway, no build step: the stores,
 * a store's menu, the cart, checkout and payment; the tracking page at `/order/track/?id=`.
 */
export function orderAppRoutes(app: Express): void {
  const dir = fileURLToPath(new URL('../../order-app/', import.meta.url));
  app.use('/order', securityHeaders, express.static(dir, { index: 'index.html', maxAge: 0 }));
}
