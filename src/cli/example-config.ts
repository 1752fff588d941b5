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

# MCP servers whose tools agents may use as mcp.<server>.<tool> or mcp.<server>.*.
mcp_servers: {}
# mcp_servers:
#   files:
#     transport: stdio         # stdio (a child process) or http
#     command: node
#     args: [server.js, ./data]
#     cwd: .                   # relative to this file's directory
#   remote:
#     transport: http
#     url: http://127.0.0.1:9000/mcp

# The agents this node runs. Relative paths resolve against this file's directory.
agents: []
# agents:
#   - name: researcher         # unique; a-z, 0-9 and -
#     role: researcher
#     description: Finds and summarises sources.
#     model: smart             # a gateway model alias; not needed with deliberation: utility
#     deliberation: llm        # llm or utility
#     constitution:            # applied highest priority first; immutable ones cannot change at runtime
#       - { id: honesty, text: Never fabricate sources., priority: 100, immutable: true }
#       - { id: tone, text: Be concise., priority: 10 }
#     tools: [fs.read, fs.write, mcp.files.*]
#     custom_tools:
#       - { name: wordcount, module: ./tools/wc.mjs, isolation: process, timeout_ms: 5000 }
#     capabilities: [llm.complete, tool.call, memory.put, memory.search]
#     scopes:
#       fs: { read: [./data], write: [./out] }
#       http: { hosts: [api.example.com], max_bytes: 1048576, timeout_ms: 10000 }
#       shell: { commands: [ls, wc], cwd: ./work, timeout_ms: 10000 }
#     limits: { max_tool_calls_per_beat: 8, max_beats: null, max_tokens_per_hour: null, max_active_thoughts: 16,
#               cpu_percent: null, memory_mb: null, ops_per_second: null, watchdog_seconds: null }
#     heartbeat: { base_ms: 1000, max_ms: 60000 }   # idle agents slow down towards max_ms
#     isolation: inline        # inline, worker or process
#     restart: { policy: on-failure, auto_restart: 5 }   # always, on-failure or never; then failed
#     depends_on: []           # names (required) or { agent: NAME, kind: required|optional|peer }; no cycles
#     risk: minimal            # minimal, limited, high, unacceptable (never starts)
#     permission_level: 1      # 0 read-only, 1 standard, 2 elevated, 3 admin
#     faults: { crash: restart, watchdog_timeout: kill }   # over the supervisor's preset
#     memory: { episodic: 1000, semantic: 1000, procedural: 500 }
#     errors: { model: retry, tool: skip, timeout: retry, budget: suspend, fatal: terminate }
`;
