import type { Express, Response } from 'express';
import { z } from 'zod';
import type { PaymentIntentId } from './payments/index.js';
import { SimulatedOnlineProcessor } from './payments/simulated-processor.js';

// The simulated card issuer's 3-D Secure page, so that a guest paying with the 3-D Secure test
// card (4000 0027 6000 3184) can finish the payment without a real bank: the ordering app opens
// it in a window of its own, the guest approves or fails the check, and the window goes back to
// the app's return page, which tells the order page to ask how it went. Served only while the
// simulated processor takes the payments; with Stripe the bank's own page is used.

/** Where the page is, for the simulator's `redirectUrl` (under the gateway's online prefix). */
export const challengeUrl = (intentId: string) =>
  `/api/v1/online/orders/challenge/${encodeURIComponent(intentId)}`;

const IntentParams = z.object({ intentId: z.string().regex(/^pi_[A-Za-z0-9_]{1,100}$/) });

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .setHeader('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${html(title)}</title></head><body><main><h1>${html(title)}</h1>${body}</main></body></html>`,
    );
}

/**
 * Only a path of the ordering app is gone back to, on the same site: a return address from a
 * request is never a way to send the guest elsewhere.
 */
function sameSiteReturn(returnUrl: string | undefined): string | undefined {
  if (!returnUrl) return undefined;
  try {
    const url = new URL(returnUrl, 'http://same.site');
    return url.pathname.startsWith('/order/') ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}

export function challengeRoutes(app: Express, processor: unknown): void {
  if (!(processor instanceof SimulatedOnlineProcessor)) return;
  app.get('/api/v1/online/orders/challenge/:intentId', async (req, res) => {
    const params = IntentParams.safeParse(req.params);
    const intent = params.success
      ? await processor.retrieveIntent(params.data.intentId as PaymentIntentId)
      : undefined;
    if (intent?.status !== 'requires_action') {
      page(res, 404, 'No payment to check', '<p>This check is over, or was never asked for.</p>');
      return;
    }
    const amount = new Intl.NumberFormat('en', {
      style: 'currency',
      currency: intent.currency,
    }).format(intent.amountCents / 100);
    const action = html(challengeUrl(intent.id));
    page(
      res,
      200,
      'Confirm your payment',
      `<p>Your bank (simulated) asks you to confirm a payment of <strong>${html(amount)}</strong>` +
        `${intent.card ? ` with your ${html(intent.card.brand)} card ending ${html(intent.card.last4)}` : ''}.</p>` +
        `<form method="post"><button formaction="${action}/approve">Approve</button> ` +
        `<button formaction="${action}/fail">Fail the check</button></form>`,
    );
  });
  app.post('/api/v1/online/orders/challenge/:intentId/:result', async (req, res) => {
    const params = IntentParams.safeParse(req.params);
    const result = req.params.result;
    if (!params.success || (result !== 'approve' && result !== 'fail')) {
      page(res, 404, 'No payment to check', '<p>This check is over, or was never asked for.</p>');
      return;
    }
    const intentId = params.data.intentId as PaymentIntentId;
    const intent = await processor.completeChallenge(intentId, result);
    if (!intent) {
      page(res, 404, 'No payment to check', '<p>This check is over, or was never asked for.</p>');
      return;
    }
    const back = sameSiteReturn(processor.returnUrlOf(intentId));
    if (back) {
      res.redirect(303, back);
      return;
    }
    page(res, 200, 'Done', '<p>You can close this window and go back to your order.</p>');
  });
}
