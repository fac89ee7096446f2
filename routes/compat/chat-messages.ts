// OpenAI chat messages -> the plugin contract's {role, content} messages. Generators take
// text: `developer` is a system message, text parts are joined, anything else is a clear 400.
import type { ChatCompletionRequest } from '../../schemas/compat/openai.js';
import type { ChatMessage } from '../../src/core/types.js';
import { ModgateError } from '../../src/errors.js';

type OpenAIMessage = ChatCompletionRequest['messages'][number];

const ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

export function toChatMessages(messages: OpenAIMessage[]): ChatMessage[] {
  return messages.map((message, i) => {
    const role = ROLES[message.role];
    if (role === undefined) {
      throw new ModgateError(
        'MODGATE_VALIDATION',
        `messages[${i}].role "${message.role}" is not supported: generator plugins take system, developer, user and assistant messages (no tools)`,
      );
    }
    return { role, content: contentText(message.content, i) };
  });
}

function contentText(content: OpenAIMessage['content'], i: number): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new ModgateError(
          'MODGATE_VALIDATION',
          `messages[${i}].content[${j}] has type "${part.type}": only {"type": "text", "text": ...} parts are supported`,
        );
      }
      return part.text;
    })
    .join('\n');
}
