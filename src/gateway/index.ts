/**
 * @module The LLM gateway: provider-neutral chat types, the Provider seam and its HTTP
 * providers, wire formats, routing with fallback policies, resilience, and accounting.
 */
// The call path

export * from './accounting/index.js';
export { JitteredBackoff } from './backoff.js';
// Types and the provider seam
export type * from './chat-types.js';
export { NO_USAGE } from './chat-types.js';
export {
  type Admission,
  Gateway,
  type GatewayAccounting,
  type GatewayCallContext,
  type GatewayMetrics,
  type GatewayOptions,
  type GatewayOutcome,
  type OpenedStream,
  type UsageEvent,
} from './gateway.js';
// Accounting and status
export { type GatewayStatus, gatewayStatus, type ProviderStatus } from './gateway-status.js';
export { ModelRouter, type RouteStep, type RoutingSignals } from './model-router.js';
export {
  type Provider,
  type ProviderCallOptions,
  ProviderError,
  type ProviderFailure,
  type ProviderKind,
} from './provider.js';
export type { ProviderHealthSnapshot } from './provider-health.js';
export { type ClosableProvider, createProvider } from './providers/create-provider.js';
export * from './wire/anthropic-wire.js';
// Wire formats (for the HTTP endpoints)
export * from './wire/openai-wire.js';
