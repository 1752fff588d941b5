/**
 * @module Policy: capabilities with scopes (paths, hosts, commands, models), the permission
 * levels 0-3 of seed 002 as presets, per-agent policies with a ceiling, and the decision the
 * kernel's gate asks for. {@link PolicyEngine} decides on compiled matchers with a per-agent
 * cache (the fast path); {@link CedarPolicyReference} decides the same policies with Cedar and is
 * the reference a property test holds the fast path to. {@link AgentPolicyStage} plugs the
 * engine into the kernel.
 */

// Approvals
export {
  APPROVAL_KINDS,
  APPROVAL_STATUSES,
  type ApprovalDecision,
  type ApprovalFilter,
  type ApprovalItem,
  type ApprovalKind,
  ApprovalQueue,
  type ApprovalQueueOptions,
  type ApprovalRequest,
  type ApprovalStatus,
} from './approval-queue.js';
// Deciding
export { CedarPolicyReference, toCedarPolicies } from './cedar-reference.js';
export { ceilingGrants, withinCeiling } from './ceiling.js';
export * from './compliance/index.js';
// Levels, ceilings, scopes
export { levelGrants, PERMISSION_LEVEL_NAMES } from './permission-levels.js';
export { PolicyEngine, type PolicyEngineOptions } from './policy-engine.js';
export {
  type PolicyOperationsOptions,
  type PolicyView,
  registerPolicyOperations,
} from './policy-operations.js';
// Patches and their storage
export {
  applyPolicyChanges,
  describeGrant,
  type PatchResult,
  type PolicyChange,
  SELF_CAPABILITY,
  sameGrant,
} from './policy-patch.js';
// Validation
export {
  approvalDecideArgs,
  approvalListArgs,
  capabilitySchema,
  grantSchema,
  parsePolicyInput,
  policyChangeSchema,
  policyChangesSchema,
  policyInputSchema,
  policyPatchArgs,
  policyRequestSchema,
  scopeSchema,
} from './policy-schema.js';
export {
  AgentPolicyStage,
  type ExtractedResource,
  type ResourceExtractor,
  type ToolCallResourceOptions,
  toolCallResource,
} from './policy-stage.js';
export {
  describeCeiling,
  type InTransaction,
  type PolicyAuthor,
  type PolicyChangeRecord,
  PolicyStore,
  type PolicyStoreOptions,
} from './policy-store.js';
// Vocabulary
export {
  ADMIN_CAPABILITY,
  type AgentPolicy,
  type CapabilityGrant,
  type CapabilityScope,
  type Decision,
  KNOWN_CAPABILITIES,
  type PermissionLevel,
  type PolicyCeiling,
  type PolicyRequest,
  type PrincipalRef,
  RESOURCE_KINDS,
  type ResourceKind,
  type ResourceRef,
  SCOPE_KEY,
} from './policy-types.js';
export { normalizeResourceValue, patternMatches } from './scope-pattern.js';
