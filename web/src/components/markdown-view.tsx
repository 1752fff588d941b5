/**
 * @module Markdown as the chat shows it. The renderer (react-markdown with GitHub's extensions)
 * loads on first use, so pages without markdown never download it; until it is there the text
 * shows as it was written.
 */
import { Text } from '@mantine/core';
import { lazy, Suspense } from 'react';

const MarkdownRenderer = lazy(() => import('./markdown-renderer'));

/** `text` rendered as markdown (raw HTML is shown as text, never run). */
export function MarkdownView({ text }: { text: string }) {
  return (
    <Suspense
      fallback={
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {text}
        </Text>
      }
    >
      <MarkdownRenderer text={text} />
    </Suspense>
  );
}
