/** The printable HTML report: self-contained, print styles, and hostile names escaped. */
import { describe, expect, it } from 'vitest';
import {
  complianceHtml,
  computeCompliance,
  escapeHtml,
} from '../../../../src/policy/compliance/index.js';
import { DECLARED, fixtureEntries } from './compliance-fixture.js';

describe('complianceHtml', () => {
  const hostile = '<img src=x onerror="alert(1)">&\'';
  const report = computeCompliance(
    fixtureEntries(),
    [
      ...DECLARED,
      { agentId: 'h1', name: hostile, risk: 'minimal', capabilities: ['<b>admin</b>'] },
    ],
    { generatedAt: '2026-02-01T00:00:00.000Z' },
  );
  const html = complianceHtml(report);

  it('escapes agent names and capabilities from the ledger and the config', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>admin</b>');
    expect(html).toContain(escapeHtml(hostile));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('is one self-contained page with print styles', () => {
    // The fixture alone: the hostile name above would put "src=" into the text, escaped.
    const page = complianceHtml(computeCompliance(fixtureEntries(), DECLARED));
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('@media print');
    expect(page).toContain('<style>');
    expect(page).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
  });

  it('shows the numbers and the articles', () => {
    expect(html).toContain('Art. 12');
    expect(html).toContain('Art. 13');
    expect(html).toContain('Art. 14');
    expect(html).toContain('76.3%');
    expect(html).toContain('REVIEW_NEEDED');
    expect(html).toContain('97.0%');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
