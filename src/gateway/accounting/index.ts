/**
 * @module Accounting for the LLM gateway: what a call cost (the price book), what was used
 * (usage records in `llm_usage`) and how fast an identity may call (token-bucket rate limits).
 * The gateway's own index re-exports this surface.
 */
export {
  type Cost,
  type CostInput,
  PriceBook,
  type PriceBookOptions,
  type PriceOverride,
} from './price-book.js';
export { type RateDecision, RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export {
  type UsageGroupBy,
  type UsageRecord,
  UsageRecorder,
  type UsageRecorderOptions,
  type UsageTotals,
  type UsageTotalsQuery,
} from './usage-recorder.js';
