import type { Logger } from '@pos/kit/logger';
import type { OnlinePaymentProcessor } from './processor.js';
import { SimulatedOnlineProcessor, type SimulatedProcessorOptions } from './simulated-processor.js';
import { StripeOnlineProcessor } from './stripe-processor.js';

// Card-not-present payments for online ordering. The Stripe stand-in
// (`stripe-intents-stand-in.ts`) is test support and is imported by its own path, not from here.

export {
  type CardSummary,
  type ConfirmIntentRequest,
  type ConfirmOutcome,
  type CreateIntentRequest,
  type DeclineReason,
  type IntentMetadata,
  type IntentStatus,
  OnlinePaymentError,
  type OnlinePaymentFaultCode,
  type OnlinePaymentProcessor,
  outcomeOfIntent,
  type PaymentIntentId,
  type PaymentIntentView,
  type RefundId,
  type RefundOutcome,
  type RefundRefusal,
  type RefundRequest,
  type RefundView,
  type ThreeDSecureAction,
} from './processor.js';
export { decideRefund, type RefundDecision } from './refund-rules.js';
export {
  type SimulatedCharge,
  SimulatedOnlineProcessor,
  type SimulatedProcessorOptions,
} from './simulated-processor.js';
export { StripeOnlineProcessor, type StripeProcessorOptions } from './stripe-processor.js';
export { TEST_CARD_NUMBERS } from './test-cards.js';

/**
 * The processor the environment asks for: Stripe when `STRIPE_SECRET_KEY` is set (a malformed
 * key is the fault `configuration`, at start-up rather than at the first payment), otherwise
 * the in-memory simulator.
 */
export function createOnlinePaymentProcessor(
  env: Readonly<Record<string, string | undefined>> = process.env,
  logger?: Logger,
  simulator: Partial<Pick<SimulatedProcessorOptions, 'challengeUrl'>> = {},
): OnlinePaymentProcessor {
  const apiKey = env.STRIPE_SECRET_KEY?.trim();
  if (apiKey === undefined || apiKey === '') {
    return new SimulatedOnlineProcessor({
      ...simulator,
      ...(logger === undefined ? {} : { logger }),
    });
  }
  return new StripeOnlineProcessor({ apiKey, ...(logger === undefined ? {} : { logger }) });
}
