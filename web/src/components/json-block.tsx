/**
 * @module Any JSON value as an indented, scrollable code block (ledger payloads, reports).
 */
import { Code, ScrollArea } from '@mantine/core';

/** `value` pretty-printed; a string that holds JSON is parsed first. */
export function JsonBlock({ value, maxHeight = 360 }: { value: unknown; maxHeight?: number }) {
  let shown = value;
  if (typeof value === 'string') {
    try {
      shown = JSON.parse(value);
    } catch {
      shown = value;
    }
  }
  const text = typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2);
  return (
    <ScrollArea.Autosize mah={maxHeight} type="auto">
      <Code block>{text}</Code>
    </ScrollArea.Autosize>
  );
}
