/**
 * @module The commented example written by `agentvisor init`. Every key here is validated by
 * `src/core/config-schema.ts`; a test loads this text to keep the two in step.
 */
export const EXAMPLE_CONFIG = `# agentvisor.yaml — Agentvisor configuration.
# Every key is optional; the values shown are the defaults.
# Validate with: agentvisor start (errors name the line, the key and what is allowed).

# Where the SQLite database, the key file and checkpoints live.
# --data-dir and AGENTVISOR_DATA_DIR override it.
data_dir: .agentvisor

server:
  # Loopback only by default. Binding elsewhere exposes the API: put TLS in front.
  host: 127.0.0.1
  port: 7070

store:
  # sqlite (embedded, zero setup) or postgres (many processes on one database).
  driver: sqlite
  path: agentvisor.db          # relative to data_dir
  # driver: postgres
  # url: postgres://agentvisor@db.internal:5432/agentvisor   # or AGENTVISOR_DATABASE_URL
  # schema: public
  # pool_size: 10

ledger:
  # Names this log in checkpoints (C2SP tlog-checkpoint origin line).
  origin: agentvisor.local/ledger
  # ed25519 (default, fast) or rsa-pss-2048 (the seed's choice, for compatibility).
  signature: ed25519
  # Largest entry payload, in bytes of canonical JSON.
  max_payload_bytes: 65536
  # Group commit: most entries written in one transaction.
  max_batch: 1024
  checkpoint:
    every_entries: 1000
    every_seconds: 60
  # Each checkpoint is also appended to these files: put one on another disk or mount.
  anchors: []
  # anchors:
  #   - type: file
  #     path: /mnt/backup/agentvisor-checkpoints.jsonl
  keyring:
    # The passphrase that encrypts signing keys at rest is read from this variable.
    # When it is unset, a generated key file (mode 0600) is used instead: back it up.
    passphrase_env: AGENTVISOR_KEY_PASSPHRASE
    key_file: keys/keyring.key

log:
  level: info                  # fatal, error, warn, info, debug, trace, silent
  format: auto                 # auto (pretty on a TTY), json, pretty
`;
