/**
 * `report.html`: the report as one self-contained page (inline CSS and SVG; no scripts,
 * fonts or external URLs), with the Markdown report's tables and every plot in a
 * `<figure>` with a caption.
 */
import he from 'he';
import {
  aggregateTable,
  equalBudgetTable,
  differenceTable,
  gapOverRoundsTable,
  partialNote,
  conditionNoun,
  configSummary,
  cycleTimeNote,
  profileTables,
  cycleTimeSweepTables,
  publishedSideBySide,
  cycleTimeTables,
  isolationSentences,
  ISOLATION_DEFINITIONS,
  reportVerdict,
  trainingNote,
  trainingTable,
  type ReportData,
  type ReportTable,
} from './markdown.js';
import type { Plot } from './plots.js';

function esc(s: string): string {
  return he.escape(s);
}

/**
 * Make the ids of an inline SVG unique in the page (Vega names clip paths `clip1`, ...
 * in every SVG, and ids are global to an HTML document).
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (!ids.size) return svg;
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : all))
    .replace(/(xlink:)?href="#([^"]+)"/g, (all, x: string | undefined, id: string) =>
      ids.has(id) ? `${x ?? ''}href="#${prefix}-${id}"` : all,
    );
}

/** Strip the XML prolog (if any) so the SVG can be inlined, and tag it for styling. */
function inlineSvg(svg: string, id: string): string {
  return prefixSvgIds(svg.replace(/^<\?xml[^>]*>\s*/, ''), id).replace(/^<svg /, `<svg role="img" aria-labelledby="${id}-caption" `);
}

/** An HTML table. */
export function htmlTable(t: ReportTable, caption = true): string {
  const cls = (i: number): string => (t.numeric[i] ? ' class="num"' : '');
  return [
    '<table>',
    caption ? `<caption>${esc(t.title)}</caption>` : '',
    `<thead><tr>${t.headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${t.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function figure(p: Plot, n: number): string {
  const w = /^(?:<\?xml[^>]*>\s*)?<svg[^>]*\swidth="([\d.]+)"/.exec(p.svg)?.[1];
  return `<figure id="${esc(p.id)}"${w ? ` style="width:${Math.ceil(Number(w))}px"` : ''}>\n${inlineSvg(p.svg, `fig${n}`)}\n<figcaption id="fig${n}-caption"><b>Figure ${n}.</b> ${esc(p.caption)}</figcaption>\n</figure>`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 Helvetica, Arial, sans-serif; color: #222; background: #fff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1200px; }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 20px; margin: 36px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 18px; font-size: 14px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #bbb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
dl.config { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0; }
dl.config dt { color: #555; }
dl.config dd { margin: 0; }
.tables { display: flex; flex-wrap: wrap; gap: 0 36px; align-items: flex-start; }
.figures { display: flex; flex-wrap: wrap; gap: 16px 24px; align-items: flex-start; }
figure { margin: 8px 0 16px; max-width: 100%; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #444; max-width: 60em; margin-top: 4px; }
ul.notes li { margin: 2px 0; }
p.rule { color: #555; font-size: 13px; max-width: 60em; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
`;

/** Options of {@link renderHtml}. */
export interface HtmlOptions {
  /** Footer line (e.g. where the results came from). */
  footer?: string;
}

/**
 * Render `report.html` from the report data and its rendered plots.
 * @param plots from `reportPlots` (training curves, cycle times, then drawings)
 */
export function renderHtml(data: ReportData, plots: readonly Plot[], opts: HtmlOptions = {}): string {
  let n = 0;
  const fig = (p: Plot): string => figure(p, ++n);
  const training = plots.filter((p) => p.id.startsWith('training-'));
  const cycle = plots.filter((p) => p.id === 'cycle-times');
  const drawings = plots.filter((p) => p.id.startsWith('topology-') || p.id.startsWith('states-') || p.id.startsWith('timeline-'));
  const profilePlots = plots.filter((p) => p.id.startsWith('profile-'));
  const body: string[] = [];
  body.push(`<h1>${esc(data.name)}: results</h1>`);
  body.push(
    `<p class="lead">${data.kind === 'train' ? `Training experiment with ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}` : 'Cycle-time experiment'}, dflsim ${esc(data.version)}.</p>`,
  );
  const partial = partialNote(data);
  if (partial) body.push(`<p class="partial"><strong>${esc(partial)}</strong></p>`);
  body.push('<h2>Configuration</h2>');
  body.push(
    `<dl class="config">${configSummary(data)
      .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
      .join('')}</dl>`,
  );
  const t = trainingTable(data);
  if (t) {
    body.push('<h2>Training</h2>');
    const verdict = reportVerdict(data);
    if (verdict && data.runs.length > 1) {
      body.push(`<p class="headline verdict-${esc(verdict.outcome)}"><strong>${esc(verdict.sentence)}</strong></p>`);
      body.push(`<p class="rule">${esc(verdict.rule)}</p>`);
    }
    const agg = aggregateTable(data, verdict);
    if (agg) body.push(`<h3>Runs ${esc(agg.title)}</h3>`, htmlTable(agg, false));
    const equal = equalBudgetTable(data);
    if (equal) body.push(`<h3>Runs ${esc(equal.title)}</h3>`, htmlTable(equal, false));
    const diff = differenceTable(data);
    if (diff) body.push(`<h3>Each ${esc(conditionNoun(data))} ${esc(diff.title)}</h3>`, htmlTable(diff, false));
    const gap = gapOverRoundsTable(data);
    if (gap) body.push(`<h3>Each ${esc(conditionNoun(data))} ${esc(gap.title)}</h3>`, htmlTable(gap, false));
    if (agg || equal) body.push('<h3>Every run</h3>');
    body.push(htmlTable(t, false));
    body.push(`<p>${esc(trainingNote(data))}</p>`);
    body.push(...training.map(fig));
  }
  const profiles = profileTables(data);
  if (profiles.length || profilePlots.length) {
    body.push('<h2>Silo profile</h2>');
    body.push(...profilePlots.map(fig));
    body.push(`<div class="tables">${profiles.map((x) => htmlTable(x)).join('\n')}</div>`);
  }
  body.push('<h2>Cycle time</h2>');
  const side = publishedSideBySide(data.cycleTimes);
  if (side) {
    body.push(
      '<p>Rows per network: the published figures; dflsim on the overlay file given for the network (RING and the multigraph on that tour; STAR, MATCHA, MATCHA(+), MST and δ-MBST do not depend on the tour); dflsim on its own RING tour (Christofides, 2-opt, Or-opt).</p>',
    );
    body.push(`<div class="tables">${htmlTable(side)}</div>`);
  }
  body.push(`<p>${esc(cycleTimeNote(data))}</p>`);
  body.push(...cycle.map(fig));
  const sweepTables = cycleTimeSweepTables(data);
  if (sweepTables.length) body.push(`<div class="tables">${sweepTables.map((x) => htmlTable(x)).join('\n')}</div>`);
  body.push(
    `<div class="tables">${cycleTimeTables(data)
      .map((x) => htmlTable(x))
      .join('\n')}</div>`,
  );
  const notes = isolationSentences(data);
  if (drawings.length || notes.length) {
    body.push('<h2>Topologies</h2>');
    if (notes.length) {
      body.push(
        `<p>A silo is isolated in a graph state of the multigraph when all its edges are weak: it aggregates without waiting for its neighbours that round. ${esc(ISOLATION_DEFINITIONS)}</p>`,
      );
      body.push(`<ul class="notes">${notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`);
    }
    const networks = [...new Set(drawings.map((p) => p.network ?? ''))];
    for (const network of networks) {
      const mine = drawings.filter((p) => (p.network ?? '') === network);
      if (networks.length > 1 && network) body.push(`<h3>${esc(network)}</h3>`);
      body.push(
        `<div class="figures">${mine
          .filter((p) => p.id.startsWith('topology-'))
          .map(fig)
          .join('\n')}</div>`,
      );
      body.push(...mine.filter((p) => p.id.startsWith('states-')).map(fig));
      body.push(...mine.filter((p) => p.id.startsWith('timeline-')).map(fig));
    }
  }
  if (opts.footer) body.push(`<footer>${esc(opts.footer)}</footer>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.name)}: results</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
