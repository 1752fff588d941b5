/** @module Conversations with the orchestrator: screening of what people type into the chat. */
export {
  ATTACHMENT_EXTENSIONS,
  type ChatAttachment,
  type ChatFlag,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  MAX_CHAT_CHARS,
  screenChatInput,
} from './chat-input.js';
