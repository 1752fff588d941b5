/**
 * @module Screening what a person types into the chat (seed 002, Input Sanitization). Length and
 * attachment types are enforced; shell-injection and prompt-injection patterns are *flagged and
 * recorded*, never silently rewritten or dropped: the operator sees exactly what was sent, and
 * the flags travel with the message to the ledger and the dashboard.
 */
import { AgentvisorError } from '../../core/index.js';

/** Longest message accepted (seed 002: 50,000 characters). */
export const MAX_CHAT_CHARS = 50_000;
/** Attachments per message, and bytes per attachment. */
export const MAX_ATTACHMENTS = 5;
export const MAX_ATTACHMENT_BYTES = 256 * 1024;
/** Text files only (seed 002's list). */
export const ATTACHMENT_EXTENSIONS = ['.txt', '.md', '.py', '.js', '.ts', '.json', '.yaml', '.yml'];

/** A pattern found in a message. */
export interface ChatFlag {
  readonly kind: 'shell-injection' | 'prompt-injection' | 'markup';
  readonly pattern: string;
  /** Where it was found: `message` or the attachment's name. */
  readonly where: string;
  /** The matching text, cut to 80 characters. */
  readonly excerpt: string;
}

/** A text file attached to a message. */
export interface ChatAttachment {
  readonly name: string;
  readonly content: string;
}

const PATTERNS: readonly { kind: ChatFlag['kind']; name: string; re: RegExp }[] = [
  // Seed 002's shell patterns.
  { kind: 'shell-injection', name: 'command substitution $(...)', re: /\$\([^)]+\)/ },
  { kind: 'shell-injection', name: 'backtick command', re: /`[^`\n]+`/ },
  { kind: 'shell-injection', name: 'pipe into a command', re: /\|\s*\w+/ },
  { kind: 'shell-injection', name: 'command chain ;', re: /;\s*\w+/ },
  { kind: 'shell-injection', name: 'command chain &&', re: /&&\s*\w+/ },
  { kind: 'shell-injection', name: 'command chain ||', re: /\|\|\s*\w+/ },
  // Common prompt-injection phrasings (OWASP LLM01 examples).
  {
    kind: 'prompt-injection',
    name: 'ignore previous instructions',
    re: /\b(ignore|disregard|forget)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all)\b[^.\n]{0,20}\b(instructions?|prompts?|rules?)\b/i,
  },
  {
    kind: 'prompt-injection',
    name: 'role override',
    re: /\byou are now\b|\bact as (an? )?(unrestricted|jailbroken|dan)\b|\bdeveloper mode\b/i,
  },
  {
    kind: 'prompt-injection',
    name: 'system prompt probe',
    re: /\b(reveal|print|show|repeat)\b[^.\n]{0,30}\b(system|hidden)\s+(prompt|instructions?)\b/i,
  },
  {
    kind: 'prompt-injection',
    name: 'chat-template token',
    re: /<\|(im_start|im_end|system|endoftext)\|>|\[\/?INST\]|<<SYS>>/i,
  },
  { kind: 'markup', name: 'HTML script or event handler', re: /<script\b|\bon[a-z]+\s*=\s*["']/i },
];

function scan(text: string, where: string): ChatFlag[] {
  const flags: ChatFlag[] = [];
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m !== null) {
      flags.push({ kind: p.kind, pattern: p.name, where, excerpt: m[0].slice(0, 80) });
    }
  }
  return flags;
}

/**
 * Checks a chat message and its attachments. Throws INPUT_INVALID for what is refused (empty,
 * too long, too many or too large attachments, a file type not allowed); returns the flags of
 * what is allowed but suspicious.
 */
export function screenChatInput(
  content: string,
  attachments: readonly ChatAttachment[] = [],
): { flags: ChatFlag[] } {
  const length = [...content].length;
  if (content.trim() === '') {
    throw new AgentvisorError('INPUT_INVALID', 'content: say something (the message is empty)');
  }
  if (length > MAX_CHAT_CHARS) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `content: at most ${MAX_CHAT_CHARS} characters, got ${length}; attach long text as a file instead`,
    );
  }
  if (attachments.length > MAX_ATTACHMENTS) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `attachments: at most ${MAX_ATTACHMENTS} files, got ${attachments.length}`,
    );
  }
  const flags = scan(content, 'message');
  attachments.forEach((file, i) => {
    const dot = file.name.lastIndexOf('.');
    const ext = dot < 0 ? '' : file.name.slice(dot).toLowerCase();
    if (!ATTACHMENT_EXTENSIONS.includes(ext)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `attachments.${i}.name: file type "${ext || '(none)'}" is not allowed; allowed: ${ATTACHMENT_EXTENSIONS.join(', ')}`,
      );
    }
    const bytes = Buffer.byteLength(file.content, 'utf8');
    if (bytes > MAX_ATTACHMENT_BYTES) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `attachments.${i}.content: ${file.name} is ${bytes} bytes; at most ${MAX_ATTACHMENT_BYTES}`,
      );
    }
    flags.push(...scan(file.content, file.name));
  });
  return { flags };
}
