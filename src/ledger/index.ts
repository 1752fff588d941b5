/**
 * @module The signed, tamper-evident ledger: canonical JSON, hash chain, Ed25519 / RSA-PSS
 * signatures, RFC 6962 Merkle tree with proofs, C2SP checkpoints, anchors, the keyring,
 * sealed records, and the verifier (live and standalone).
 */
// Writing

export {
  type Anchor,
  type AnchorContext,
  type AnchoredCheckpoint,
  anchorsFromConfig,
  FileAnchor,
} from './anchor.js';
export type { AnchorFailure } from './anchor-journal.js';
export {
  type AnchorProofFailure,
  type AnchorProofReport,
  firstAnchorProofFinding,
  isProvingAnchor,
  type ProvingAnchor,
  verifyAnchorProofs,
} from './anchor-proof.js';
// Reading and verifying
export {
  type ConsistencyProofResult,
  type EntryFilter,
  type ExportedEntry,
  exportEntries,
  getEntry,
  type InclusionProofResult,
  type LedgerVerifyReport,
  listEntries,
  proveConsistency,
  proveInclusion,
  type VerifyLedgerOptions,
  verifyLedger,
} from './audit.js';
export { canonicalJson, parseCanonicalPayload } from './canonical-json.js';
export {
  formatVerifierKey,
  NOTE_ALG_ED25519,
  NOTE_ALG_UNIDENTIFIED,
  parseCheckpointBody,
  parseSignedNote,
} from './checkpoint-note.js';
// Entries and encodings
export {
  COSIGNATURE_V1_TYPE,
  type CosignatureVerification,
  type CosignerKey,
  cosignatureMessage,
  cosignatureTimestamp,
  parseCosignerKey,
  verifyCosignedNote,
} from './cosignature.js';
export { computeEntryHash, ENTRY_TYPES, GENESIS_PREV_HASH, type LedgerEntry } from './entry.js';
export { type IncrementalVerifyResult, verifyIncrementally } from './incremental-verify.js';
export {
  Keyring,
  type KeyringOptions,
  type PublicKeyRecord,
  verifyingKeyFromRecord,
} from './keyring.js';
export {
  type AppendInput,
  type AppendReceipt,
  type CheckpointRecord,
  Ledger,
  type LedgerHead,
  type LedgerOptions,
} from './ledger.js';
export {
  leafHash,
  MerkleAccumulator,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export {
  Rfc3161Anchor,
  type Rfc3161AnchorOptions,
  type TimestampedCheckpoint,
} from './rfc3161-anchor.js';
export {
  type TimestampInfo,
  type TimestampTrust,
  type TimestampVerification,
  timestampTrustFromPem,
  verifyTimestampToken,
} from './rfc3161-token.js';
export {
  contentHash,
  type NewTask,
  SEALED_FIELDS,
  SealedRecords,
  type SealedTable,
  TASK_STATUSES,
  THOUGHT_STATUSES,
  taskResultText,
} from './sealed-records.js';
export { keyIdOf, type SignatureAlgorithm } from './signature-scheme.js';
export { type ExportedKeys, type VerifyExportInput, verifyExport } from './standalone-verify.js';
export { classifyBreak, type TamperFinding, type TamperKind } from './tamper.js';
export {
  arrayEntrySource,
  type EntrySource,
  type SizeClaim,
  type TrustedKey,
  type VerifyOptions,
  type VerifyReport,
  verifyEntries,
} from './verifier.js';
export {
  type ConsistencyProver,
  type CosignedCheckpoint,
  WitnessAnchor,
  type WitnessAnchorOptions,
} from './witness-anchor.js';
