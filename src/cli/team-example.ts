/**
 * @module The team written by `agentvisor init --team`: seed 002's five role agents (code, data,
 * infra, research, qa) with the seed's responsibilities as their constitutions, their tools, and
 * the seed's permission levels (0 restricted ... 3 privileged), led by the orchestrator. A test
 * loads this text through the config schema so it stays valid.
 */
export const TEAM_CONFIG = `# agentvisor.yaml — a team of role agents led by the orchestrator (seed 002).
# Point "smart" at a provider (see "gateway" in the README), then: agentvisor start
# and, in another terminal: agentvisor team run "what you want done"

gateway:
  providers:
    - { name: openai, kind: openai }          # key from OPENAI_API_KEY
  models:
    smart: { chain: [{ provider: openai, model: gpt-4o-mini }] }

team:
  model: smart            # the orchestrator plans, verifies and learns with this alias
  max_rounds: 3           # a failed verify is traced back and retried at most this often
  require_approval: false # true: every run waits for a human before it executes

agents:
  - name: code
    role: code
    description: Git operations, coding, refactoring, debugging.
    model: smart
    permission_level: 1
    constitution:
      - { id: tested, text: Change code only with a way to check the change works., priority: 90 }
      - { id: small, text: Prefer small reviewable changes over large rewrites., priority: 50 }
    tools: [fs.read, fs.write, fs.list, shell.exec, memory.search, memory.put, permission.request]
    scopes:
      fs: { read: [./workspace], write: [./workspace] }
      shell: { commands: [git, npm, node], cwd: ./workspace }

  - name: data
    role: data
    description: SQL and databases, analysis, ETL, backups.
    model: smart
    permission_level: 1
    constitution:
      - { id: no-destroy, text: Never drop or overwrite data without a backup taken first., priority: 100, immutable: true }
    tools: [fs.read, fs.write, fs.list, memory.search, memory.put, permission.request]
    scopes:
      fs: { read: [./workspace], write: [./workspace/data] }

  - name: infra
    role: infra
    description: Docker, nginx, domains, SSL/TLS, monitoring.
    model: smart
    permission_level: 2
    constitution:
      - { id: reversible, text: Make every infrastructure change reversible and say how to roll it back., priority: 90 }
    tools: [fs.read, fs.list, shell.exec, http.fetch, memory.search, permission.request]
    scopes:
      fs: { read: [./workspace] }
      shell: { commands: [docker, nginx], cwd: ./workspace }
      http: { hosts: ["*"] }

  - name: research
    role: research
    description: Web search, documentation, synthesis, learning.
    model: smart
    permission_level: 0
    constitution:
      - { id: sources, text: Cite the source of every fact you report., priority: 90 }
    tools: [fs.read, http.fetch, memory.search, memory.put]
    scopes:
      fs: { read: [./workspace] }
      http: { hosts: ["*"] }

  - name: qa
    role: qa
    description: Testing, review, security, validation.
    model: smart
    permission_level: 1
    constitution:
      - { id: evidence, text: Report a check as passed only with the evidence that it ran., priority: 100, immutable: true }
    tools: [fs.read, fs.list, shell.exec, memory.search]
    scopes:
      fs: { read: [./workspace] }
      shell: { commands: [npm, node], cwd: ./workspace }
`;
