/**
 * @module Text files attached to a chat message. The server appends each one to the message it
 * hands the team and refuses what it does not take (`src/team/conversation/chat-input.ts`): the
 * same rules are checked here first, so the person learns before sending that a file is too
 * large, of a type not accepted, or not text at all.
 */

/** File types the server accepts (seed 002's list). */
export const ATTACHMENT_EXTENSIONS = ['.txt', '.md', '.py', '.js', '.ts', '.json', '.yaml', '.yml'];
/** Files per message. */
export const MAX_ATTACHMENTS = 5;
/** Bytes per file. */
export const MAX_ATTACHMENT_BYTES = 256 * 1024;
/** Characters of one message. */
export const MAX_MESSAGE_CHARS = 50_000;
/** What the team receives in one message: the text and every attachment, 64 KiB. */
export const MAX_TOTAL_CHARS = 64 * 1024;

/** A file read for sending. */
export interface Attachment {
  readonly name: string;
  readonly size: number;
  readonly content: string;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/** Why a file cannot be attached before reading it, or undefined when it may be. */
export function checkFile(
  file: { name: string; size: number },
  already: readonly Attachment[],
): string | undefined {
  if (already.length >= MAX_ATTACHMENTS) {
    return `At most ${MAX_ATTACHMENTS} files per message.`;
  }
  if (already.some((a) => a.name === file.name)) return `${file.name} is attached already.`;
  const ext = extensionOf(file.name);
  if (!ATTACHMENT_EXTENSIONS.includes(ext)) {
    return `${file.name}: ${ext === '' ? 'files without an extension' : `${ext} files`} cannot be attached; allowed: ${ATTACHMENT_EXTENSIONS.join(', ')}.`;
  }
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return `${file.name} is ${Math.ceil(file.size / 1024)} KiB; at most ${MAX_ATTACHMENT_BYTES / 1024} KiB per file.`;
  }
  return undefined;
}

/** Why a read file's text cannot be sent (it is binary), or undefined. */
export function checkText(name: string, content: string): string | undefined {
  // U+FFFD comes from bytes that are not UTF-8; NUL never appears in text files.
  const sample = content.slice(0, 8192);
  const replaced = sample.split('\uFFFD').length - 1;
  if (sample.includes('\u0000') || replaced > Math.max(8, sample.length / 100)) {
    return `${name} does not look like a text file.`;
  }
  return undefined;
}

/** Why the message with its attachments cannot be sent, or undefined. */
export function checkMessage(
  content: string,
  attachments: readonly Attachment[],
): string | undefined {
  if (content.trim() === '') return 'Write a message (attachments go with a message).';
  const chars = [...content].length;
  if (chars > MAX_MESSAGE_CHARS) {
    return `The message is ${chars} characters; at most ${MAX_MESSAGE_CHARS}. Attach long text as a file.`;
  }
  // The server wraps each file in a few lines of its own; 40 characters covers them.
  const total =
    content.length + attachments.reduce((sum, a) => sum + a.content.length + a.name.length + 40, 0);
  if (total > MAX_TOTAL_CHARS) {
    return `The message and its files come to about ${Math.ceil(total / 1024)} KiB; at most ${MAX_TOTAL_CHARS / 1024} KiB go to the team at once.`;
  }
  return undefined;
}
