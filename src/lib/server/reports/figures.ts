/**
 * The report's figures as files: the page's own Plot options (charts/specs.ts) rendered on the
 * server with a linkedom document, wrapped in a standalone SVG with the figure's title, legend
 * and caption; PNG at twice the size through resvg (prebuilt native binary, no download).
 */
import * as Plot from '@observablehq/plot';
import { Resvg } from '@resvg/resvg-js';
import { parseHTML } from 'linkedom';
import { histogramPlotOptions, intervalPlotOptions, ratingPlotOptions } from '$lib/components/charts/specs';
import { sunburstArcs } from '$lib/components/analyses/sunburst-layout';
import { SWEEP_COLORS, sweepGeometry } from '$lib/reports/sweep-chart';
import type { SweepPoint } from '$lib/reports/filter-report';
import { ACCENT, REFERENCE } from '$lib/components/charts/plot-theme';
import { filterFigures, reportFigures, type LegendEntry, type ReportFigure } from '$lib/reports/figures';
import type { AuditReport } from '$lib/reports/report';
import { db, type Db } from '../db';
import { auditFilterReport, hasFilterReport } from './filters';

/** Width of a figure file in CSS pixels (about a full text width at 96 dpi). */
export const FIGURE_WIDTH = 760;
/** PNGs are rendered at twice the SVG's size, for print. */
export const PNG_SCALE = 2;

const FONT = "'DejaVu Sans', Arial, Helvetica, sans-serif";
const FILE_STYLE = { fontFamily: FONT, fontSize: '12px', color: '#1d2433', background: 'white', overflow: 'visible' };
const TEXT = '#1d2433';
const PAD = 16;

function escapeXml(text: string): string {
	return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Greedy word wrap at about `chars` characters a line (captions are plain sentences). */
export function wrapText(text: string, chars: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line && line.length + 1 + word.length > chars) {
			lines.push(line);
			line = word;
		} else line = line ? `${line} ${word}` : word;
	}
	if (line) lines.push(line);
	return lines;
}

/** The sunburst as the page draws it (sunburst-layout.ts), centred in the figure's width; each arc's numbers in its <title>. */
function sunburstSvg(top: Parameters<typeof sunburstArcs>[0], instructions: number, width: number): { markup: string; height: number } {
	const size = Math.min(width, 520);
	const arcs = sunburstArcs(top, instructions, size, { verb: 12, noun: 10.5 });
	const parts = arcs.map((d) => `<path d="${d.path}" fill="${d.fill}" stroke="#fff" stroke-width="0.75"><title>${escapeXml(d.title)}</title></path>`);
	for (const d of arcs) {
		const l = d.label;
		if (!l) continue;
		const style = d.depth === 1 ? 'font-size="12" font-weight="600" fill="#fff"' : `font-size="10.5" fill="${TEXT}"`;
		parts.push(
			`<text x="${l.x.toFixed(2)}" y="${l.y.toFixed(2)}" transform="rotate(${l.rotate.toFixed(2)} ${l.x.toFixed(2)} ${l.y.toFixed(2)})" text-anchor="middle" dominant-baseline="middle" ${style}>${escapeXml(l.text)}</text>`
		);
	}
	const markup = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size}" viewBox="${-width / 2} ${-size / 2} ${width} ${size}">${parts.join('')}</svg>`;
	return { markup, height: size };
}

/** The sweep chart as the report page draws it (sweep-chart.ts), scaled to the figure's width; numbers in <title>s. */
function sweepSvg(points: readonly SweepPoint[], width: number): { markup: string; height: number } {
	const g = sweepGeometry(points);
	const height = Math.round((width * g.height) / g.width);
	const c = SWEEP_COLORS;
	const axis = `font-size="12" fill="${c.axis}"`;
	const parts: string[] = [];
	for (const l of g.grid) parts.push(`<line x1="${l.x1}" x2="${l.x2}" y1="${l.y}" y2="${l.y}" stroke="${c.grid}"/><text x="${l.labelX}" y="${l.y + 4}" ${axis}>${l.label}</text>`);
	for (const t of g.rowTicks) parts.push(`<text x="${t.x}" y="${t.y + 4}" ${axis} text-anchor="end">${escapeXml(t.label)}</text>`);
	for (const b of g.bars) {
		const fill = b.applied ? `fill="${c.barStroke}" fill-opacity="0.45"` : `fill="${c.bar}"`;
		parts.push(
			`<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" ${fill} stroke="${c.barStroke}" stroke-width="0.5"><title>${escapeXml(b.title)}</title></rect>` +
				`<text x="${b.x + b.width / 2}" y="${b.labelY}" ${axis} text-anchor="middle">${b.threshold}</text>`
		);
	}
	if (g.band) parts.push(`<polygon points="${g.band}" fill="${c.line}" fill-opacity="0.15"/>`);
	parts.push(`<path d="${g.line}" fill="none" stroke="${c.line}" stroke-width="2.5"/>`);
	if (g.highLine) parts.push(`<path d="${g.highLine}" fill="none" stroke="${c.line}" stroke-width="2" stroke-dasharray="6 4"/>`);
	for (const d of g.dots) parts.push(`<circle cx="${d.cx}" cy="${d.cy}" r="4" fill="${c.line}"><title>${escapeXml(d.title)}</title></circle>`);
	parts.push(`<text x="${g.xLabel.x}" y="${g.xLabel.y}" ${axis} text-anchor="middle">${escapeXml(g.xLabel.text)}</text>`);
	for (const l of g.yLabels) parts.push(`<text x="${l.x}" y="${l.y}" ${axis} text-anchor="${l.anchor}">${escapeXml(l.text)}</text>`);
	return { markup: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${g.width} ${g.height}">${parts.join('')}</svg>`, height };
}

/** The chart alone, as SVG markup (with the xmlns a standalone file needs). */
function chartSvg(figure: ReportFigure, width: number): { markup: string; height: number } {
	const chart = figure.chart;
	if (chart.kind === 'sunburst') return sunburstSvg(chart.top, chart.instructions, width);
	if (chart.kind === 'sweep') return sweepSvg(chart.points, width);
	const { document } = parseHTML('<!doctype html><html><body></body></html>');
	const doc = document as unknown as Document;
	const options =
		chart.kind === 'interval'
			? intervalPlotOptions(Plot, { rows: chart.rows, mode: chart.mode, label: figure.label, width, style: FILE_STYLE, document: doc })
			: chart.kind === 'rating'
				? ratingPlotOptions(Plot, { models: chart.models, label: figure.label, width, style: FILE_STYLE, document: doc })
				: {
						...histogramPlotOptions(Plot, { ...chart, width, height: Math.max(chart.height, 260), style: FILE_STYLE, document: doc }),
						ariaLabel: figure.label
					};
	const svg = Plot.plot(options) as unknown as Element;
	const height = Number(svg.getAttribute('height'));
	svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
	// Plot's text inherits currentColor; a file has no page colour to inherit.
	svg.setAttribute('color', TEXT);
	return { markup: svg.outerHTML, height };
}

function legendSvg(entries: readonly LegendEntry[], y: number, width: number): { markup: string; height: number } {
	const parts: string[] = [];
	let x = PAD;
	let row = 0;
	for (const e of entries) {
		const w = 30 + e.label.length * 6.6 + 18;
		if (x + w > width - PAD && x > PAD) {
			x = PAD;
			row++;
		}
		const cy = y + row * 20 + 8;
		if (e.kind === 'interval') {
			parts.push(`<line x1="${x + 2}" x2="${x + 26}" y1="${cy}" y2="${cy}" stroke="${ACCENT}" stroke-width="2"/><circle cx="${x + 14}" cy="${cy}" r="4" fill="${ACCENT}"/>`);
		} else if (e.kind === 'reference') {
			parts.push(`<line x1="${x + 14}" x2="${x + 14}" y1="${cy - 7}" y2="${cy + 7}" stroke="${REFERENCE}" stroke-width="2" stroke-dasharray="3,2"/>`);
		} else if (e.kind === 'bar') {
			parts.push(`<rect x="${x + 5}" y="${cy - 7}" width="18" height="14" fill="${e.color}"${e.opacity !== undefined ? ` fill-opacity="${e.opacity}"` : ''}${e.stroke ? ` stroke="${e.stroke}" stroke-width="0.75"` : ''}/>`);
		} else if (e.kind === 'line') {
			parts.push(
				`<rect x="${x + 2}" y="${cy - 6}" width="24" height="12" fill="${e.color}" fill-opacity="0.15"/><line x1="${x + 2}" x2="${x + 26}" y1="${cy}" y2="${cy}" stroke="${e.color}" stroke-width="2.5"/><circle cx="${x + 14}" cy="${cy}" r="4" fill="${e.color}"/>`
			);
		} else {
			parts.push(
				`<rect x="${x + 5}" y="${cy - 8}" width="18" height="16" rx="2" fill="${e.color}" stroke="${TEXT}" stroke-width="0.75"/><text x="${x + 14}" y="${cy + 4}" text-anchor="middle" font-weight="700" font-size="11" fill="${e.text}">${escapeXml(e.letter)}</text>`
			);
		}
		parts.push(`<text x="${x + 30}" y="${cy + 4}" font-size="12" fill="${TEXT}">${escapeXml(e.label)}</text>`);
		x += w;
	}
	return { markup: parts.join(''), height: (row + 1) * 20 };
}

/** A standalone SVG file: title, legend, the chart (Plot's own SVG nested), caption. */
export function figureSvg(figure: ReportFigure, width = FIGURE_WIDTH): string {
	const titleLines = wrapText(figure.title, Math.floor((width - 2 * PAD) / 8.2));
	let y = PAD;
	const parts: string[] = [];
	for (const line of titleLines) {
		y += 18;
		parts.push(`<text x="${PAD}" y="${y}" font-size="15" font-weight="700" fill="${TEXT}">${escapeXml(line)}</text>`);
	}
	y += 12;
	const legend = legendSvg(figure.legend, y, width);
	parts.push(legend.markup);
	y += legend.height + 8;
	const chart = chartSvg(figure, width - 2 * PAD);
	parts.push(`<g transform="translate(${PAD},${y})">${chart.markup.replace(/^<svg /, '<svg x="0" y="0" ')}</g>`);
	y += chart.height + 10;
	for (const line of wrapText(figure.caption, Math.floor((width - 2 * PAD) / 6.3))) {
		y += 15;
		parts.push(`<text x="${PAD}" y="${y}" font-size="11.5" fill="${TEXT}">${escapeXml(line)}</text>`);
	}
	const height = Math.ceil(y + PAD);
	return (
		`<?xml version="1.0" encoding="UTF-8"?>\n` +
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" role="img" aria-label="${escapeXml(figure.title)}">` +
		`<title>${escapeXml(figure.title)}</title><desc>${escapeXml(figure.caption)}</desc>` +
		`<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`
	);
}

/** The SVG rendered to PNG at PNG_SCALE× its size, with the system's fonts. */
export function figurePng(svg: string): Buffer {
	const resvg = new Resvg(svg, {
		fitTo: { mode: 'zoom', value: PNG_SCALE },
		background: 'white',
		font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
	});
	return resvg.render().asPng();
}

/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
	const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
	return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * A figure file for a download endpoint: `<id>.svg` or `<id>.png` among `figures`, as an HTTP
 * response (attachment named `<prefix>-<id>.<ext>`), or null when there is no such file.
 */
export function figureResponse(figures: readonly ReportFigure[], file: string, prefix: string): Response | null {
	const match = /^([a-z0-9-]+)\.(svg|png)$/.exec(file);
	const figure = match && figures.find((f) => f.id === match[1]);
	if (!match || !figure) return null;
	const svg = figureSvg(figure);
	const body = match[2] === 'svg' ? svg : new Uint8Array(figurePng(svg));
	return new Response(body, {
		headers: {
			'content-type': match[2] === 'svg' ? 'image/svg+xml; charset=utf-8' : 'image/png',
			'content-disposition': `attachment; filename="${prefix}-${figure.id}.${match[2]}"`,
			'cache-control': 'no-store'
		}
	});
}

/** "Figures here: a.svg, a.png, …" for a 404. */
export function figureFilesText(figures: readonly ReportFigure[]): string {
	return figures.length ? `Figures here: ${figures.flatMap((f) => [`${f.id}.svg`, `${f.id}.png`]).join(', ')}.` : 'There is no figure here.';
}

/** Every figure of an audit's report page: its charts, and the ROUGE-L sweep when it has a filter report. */
export function auditFigures(report: AuditReport, database: Db = db()): ReportFigure[] {
	const filters = hasFilterReport(report.audit.id, database) ? filterFigures(auditFilterReport(report.audit.id, {}, database)) : [];
	return [...reportFigures(report), ...filters];
}
