/**
 * @module Core: ids, time, typed errors, configuration and the Kernel with its gate.
 * Depends on no other Agentvisor module.
 */
// Errors

export {
  AGENT_NAME_PATTERN,
  type AgentConfig,
  type AgentDefinitionIssue,
  type AgentScopesConfig,
  agentConfigSchema,
  agentsConfigSchema,
  type CustomToolConfig,
  checkAgentDefinitions,
  type DirectiveConfig,
  directiveConfigSchema,
  FAULT_KINDS,
  type FaultKind,
  type McpServerConfig,
  mcpServerConfigSchema,
  type PerceptionConfig,
  perceptionConfigSchema,
  resolveAgentPaths,
} from './agent-config-schema.js';
export {
  ALERT_COMPARISONS,
  ALERT_SEVERITIES,
  ALERT_SIGNALS,
  type AlertComparison,
  type AlertNotifierConfig,
  type AlertRuleConfig,
  type AlertSeverity,
  type AlertSignalKind,
  type AlertSignalName,
  type AlertSignalSpec,
  type AlertsConfig,
  alertsConfigSchema,
  DEFAULT_ALERT_RULES,
  formatDuration,
  parseDuration,
} from './alerts-config-schema.js';
export { type Clock, isoTime, ManualClock, systemClock } from './clock.js';
export {
  CONFIG_FILE_NAME,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  validateConfig,
} from './config-loader.js';
// Configuration
export {
  type AgentvisorConfig,
  type AnchorConfig,
  type BudgetConfig,
  budgetConfigSchema,
  configSchema,
  type GatewayConfig,
  gatewayConfigSchema,
  type LedgerConfig,
  type ModelAliasConfig,
  type PriceOverride,
  type ProviderConfig,
  type StoreConfig,
} from './config-schema.js';
export { type DiskConfig, diskConfigSchema } from './disk-config-schema.js';
export {
  AgentvisorError,
  type AgentvisorErrorOptions,
  ERROR_CODES,
  type ErrorCode,
  EXIT_TAMPERED,
  isAgentvisorError,
  toAgentvisorError,
} from './errors.js';
// Ids and time
export { isUuidV7, newId } from './ids.js';
export {
  type CallEvent,
  type CallOutcome,
  type CallResult,
  capabilityPolicy,
  type IdentityStage,
  Kernel,
  type KernelOptions,
  type LedgerRecord,
  type LedgerStage,
  type LimitStage,
  type LimitVerdict,
  type OperationContext,
  type OperationDefinition,
  type OperationEffect,
  type PolicyDecision,
  type PolicyStage,
  type TelemetryStage,
} from './kernel.js';
export {
  LOG_LEVELS,
  type LogLevel,
  type LogsConfig,
  logsConfigSchema,
} from './logs-config-schema.js';
export { packageVersion } from './package-version.js';
// Principals and the kernel
export {
  actorOf,
  type CallerRef,
  hasCapability,
  type Principal,
  type PrincipalKind,
  SYSTEM_PRINCIPAL,
} from './principal.js';
export { type RateLimitsConfig, rateLimitsConfigSchema } from './rate-limits-config-schema.js';
export {
  type SupervisorConfig,
  supervisorConfigSchema,
  type TelemetryConfig,
  telemetryConfigSchema,
} from './supervisor-config-schema.js';
export {
  type BusConfig,
  busConfigSchema,
  type TeamConfig,
  teamConfigSchema,
} from './team-config-schema.js';
