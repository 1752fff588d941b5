/**
 * @module The compliance report as one self-contained, printable HTML page: inline CSS with
 * print rules, no scripts, no external assets (an auditor opens it offline or prints it to
 * PDF). Every value from the ledger is HTML-escaped: agent names and entry types are chosen by
 * whoever configured or called the system, so they are hostile input.
 */
import type { AgentCompliance, ComplianceReport, ComplianceStatus } from './compliance-report.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function percent(score: number): string {
  return `${(score * 100).toFixed(1)}%`;
}

function statusBadge(status: ComplianceStatus): string {
  return `<span class="status ${status.toLowerCase().replace('_', '-')}">${escapeHtml(status)}</span>`;
}

function row(cells: readonly unknown[]): string {
  return `<tr>${cells.map((c) => `<td>${escapeHtml(c ?? '—')}</td>`).join('')}</tr>`;
}

function agentRow(a: AgentCompliance): string {
  return `<tr><td>${escapeHtml(a.name)}<div class="id">${escapeHtml(a.agentId)}</div></td><td>${escapeHtml(a.risk)}${a.refused ? ' (refused)' : ''}</td><td>${a.eventsLogged}</td><td>${a.operations}</td><td>${a.violations}</td><td>${a.humanOversight}</td><td>${a.cleanExits}</td><td>${a.crashes}</td><td>${a.faults}</td><td>${percent(a.score)}</td><td>${statusBadge(a.status)}</td></tr>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;margin:2rem auto;max-width:70rem;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
.meta{color:#555;margin:0 0 1rem}.id{color:#777;font-size:.8em;font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.status{font-weight:600;padding:.05rem .4rem;border-radius:.2rem}
.compliant{background:#dff3e3;color:#14532d}.review-needed{background:#fff4d6;color:#713f12}.non-compliant{background:#fde2e2;color:#7f1d1d}
.summary td:first-child{width:16rem;font-weight:600}.formula{font-size:.85em;color:#444}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{page-break-after:avoid}table,tr{page-break-inside:avoid}.status{border:1px solid #999}}
`;

/**
 * The report as a printable HTML page.
 *
 * @example
 * writeFileSync('compliance.html', complianceHtml(report));
 */
export function complianceHtml(report: ComplianceReport): string {
  const s = report.system;
  const rk = report.sections.recordKeeping;
  const tr = report.sections.transparency;
  const ho = report.sections.humanOversight;
  const types = Object.entries(rk.entryTypes).sort(([a], [b]) => a.localeCompare(b));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>EU AI Act Compliance Report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>EU AI Act Compliance Report</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} from ${rk.entries} ledger entries.</p>
<table class="summary">
<tr><td>System compliance</td><td>${percent(s.score)} ${statusBadge(s.status)}</td></tr>
<tr><td>Last integrity check</td><td>${
    rk.lastIntegrityCheck === null
      ? 'none recorded yet'
      : rk.lastIntegrityCheck.ok
        ? `passed at ${escapeHtml(rk.lastIntegrityCheck.at)}`
        : `<strong>FAILED</strong> at ${escapeHtml(rk.lastIntegrityCheck.at)}${rk.lastIntegrityCheck.firstBadSeq === null ? '' : `: first bad entry #${rk.lastIntegrityCheck.firstBadSeq}`}`
  }</td></tr>
<tr><td>Agents</td><td>${s.agents}</td></tr>
<tr><td>Events logged</td><td>${s.eventsLogged}</td></tr>
<tr><td>Policy violations</td><td>${s.violations} (${s.nonAgentViolations} by non-agents)</td></tr>
<tr><td>Human oversight actions</td><td>${s.humanOversight}</td></tr>
<tr><td>Clean exits / crashes / faults</td><td>${s.cleanExits} / ${s.crashes} / ${s.faults}</td></tr>
</table>
<p class="formula">${escapeHtml(report.formula)}</p>

<h2>Agent compliance</h2>
<table>
<thead><tr><th>Agent</th><th>Risk</th><th>Events</th><th>Ops</th><th>Violations</th><th>Oversight</th><th>Clean exits</th><th>Crashes</th><th>Faults</th><th>Score</th><th>Status</th></tr></thead>
<tbody>
${report.agents.map(agentRow).join('\n')}
</tbody>
</table>

<h2>${escapeHtml(rk.article)} — ${escapeHtml(rk.title)}</h2>
<table class="summary">
${row(['Entries', rk.entries])}
${row(['Sequence range', rk.firstSeq === undefined ? undefined : `${rk.firstSeq} – ${rk.lastSeq}`])}
${row(['Time range', rk.firstTs === undefined ? undefined : `${rk.firstTs} – ${rk.lastTs}`])}
${row(['Verified size', rk.verifiedSize ?? 'not verified for this report'])}
</table>
<table>
<thead><tr><th>Entry type</th><th>Count</th></tr></thead>
<tbody>
${types.map(([type, n]) => row([type, n])).join('\n')}
</tbody>
</table>

<h2>${escapeHtml(tr.article)} — ${escapeHtml(tr.title)}</h2>
<table class="summary">
${(['minimal', 'limited', 'high', 'unacceptable', 'unclassified'] as const).map((r) => row([`Risk: ${r}`, tr.riskDistribution[r]])).join('\n')}
</table>
<table>
<thead><tr><th>Agent</th><th>Risk</th><th>Declared capabilities</th></tr></thead>
<tbody>
${tr.agents.map((a) => row([a.name, a.risk, a.capabilities.length === 0 ? 'none declared' : a.capabilities.join(', ')])).join('\n')}
</tbody>
</table>

<h2>${escapeHtml(ho.article)} — ${escapeHtml(ho.title)}</h2>
<table class="summary">
${row(['Policy patches by humans', ho.humanPatches])}
${row(['Approval decisions by humans', ho.humanDecisions])}
${row(['Escalations requested', ho.approvals.requested])}
${row(['Approved / denied / expired', `${ho.approvals.approved} / ${ho.approvals.denied} / ${ho.approvals.expired}`])}
${row(['Pending', ho.approvals.pending])}
${row(['Overseers', ho.overseers.length === 0 ? 'none' : ho.overseers.join(', ')])}
</table>
</body>
</html>
`;
}
