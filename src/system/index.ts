/**
 * @module The composition root: the assembled system, its logger, the principal directory and
 * the built-in operations. Used by the CLI and the server; depends on every other module.
 */

export { type AccessSystem, openAccessSystem } from './access-system.js';
export {
  openPolicySystem,
  type PolicySystem,
  type PolicySystemOptions,
  policyConfigDigest,
  policyFromConfig,
} from './agent-policies.js';
export { AgentSupervision, type SupervisedAgentView } from './agent-supervision.js';
export { type AgentvisorSystem, type OpenSystemOptions, openSystem } from './agentvisor-system.js';
export {
  type AlertMetricSources,
  type AlertSystem,
  type AlertSystemOptions,
  openAlertSystem,
} from './alert-system.js';
export { registerBuiltinOperations } from './builtin-operations.js';
export {
  type ConversationEvent,
  type ConversationMessage,
  type ConversationSystem,
  openConversationSystem,
} from './conversation-system.js';
export { DiskGuard, type DiskSpace, type DiskSpaceReader, readDiskSpace } from './disk-guard.js';
export {
  type IntegrityRun,
  type IntegritySystem,
  openIntegritySystem,
} from './integrity-system.js';
export { type LogSystem, type OpenLogSystemOptions, openLogSystem } from './log-system.js';
export { createLogger, type Logger, REDACTED_PATHS } from './logger.js';
export {
  type NodeEndpoint,
  newOperatorToken,
  nodeEndpointPath,
  OPERATOR_TOKEN_PREFIX,
  operatorTokenMatches,
  readNodeEndpoint,
  removeNodeEndpoint,
  writeNodeEndpoint,
} from './node-endpoint.js';
export { OPERATOR_CAPABILITIES, PrincipalDirectory } from './principal-directory.js';
export { SupervisedAgent } from './supervised-agent.js';
export {
  ORCHESTRATOR,
  openTeamSystem,
  type TeamSystem,
  type TeamSystemOptions,
} from './team-system.js';
