/**
 * @module The markdown renderer behind {@link MarkdownView} (its own chunk): react-markdown with
 * remark-gfm (tables, task lists, strikethrough), code in Mantine's code blocks, links opening in
 * a new tab without access to this page.
 */
import { Anchor, Code, Table } from '@mantine/core';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

const components: Components = {
  a: ({ href, children }) => (
    <Anchor href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </Anchor>
  ),
  pre: ({ children }) => <>{children}</>,
  code: ({ className, children }) => {
    const text = String(children ?? '');
    const block = /language-/.test(className ?? '') || text.includes('\n');
    if (!block) return <Code>{children}</Code>;
    const language = /language-([\w-]+)/.exec(className ?? '')?.[1];
    return (
      <Code block className="md-code" data-language={language}>
        {text.replace(/\n$/, '')}
      </Code>
    );
  },
  table: ({ children }) => (
    <Table.ScrollContainer minWidth={320}>
      <Table withTableBorder withColumnBorders striped>
        {children}
      </Table>
    </Table.ScrollContainer>
  ),
  thead: ({ children }) => <Table.Thead>{children}</Table.Thead>,
  tbody: ({ children }) => <Table.Tbody>{children}</Table.Tbody>,
  tr: ({ children }) => <Table.Tr>{children}</Table.Tr>,
  th: ({ children }) => <Table.Th>{children}</Table.Th>,
  td: ({ children }) => <Table.Td>{children}</Table.Td>,
};

/** Renders `text`. */
export default function MarkdownRenderer({ text }: { text: string }) {
  return (
    <div className="md">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </Markdown>
    </div>
  );
}
