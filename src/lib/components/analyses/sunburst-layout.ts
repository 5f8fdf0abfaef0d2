/**
 * The verb–noun sunburst's geometry (Self-Instruct Figure 2), for the page (Sunburst.svelte) and
 * the downloadable figure (rendered on the server), so both draw the same arcs: the top verbs
 * (inner ring) and each verb's top direct-object nouns (outer ring), laid out with d3-hierarchy's
 * partition and sized by the instructions each verb × noun pair covers. Pure.
 */
import { hierarchy, partition, type HierarchyRectangularNode } from 'd3-hierarchy';
import type { TopVerb } from '$lib/analyses/top-k';
import { formatCount, formatNumber } from '$lib/text/words';
import { pct } from '$lib/components/charts/plot-theme';

/** Ten well-separated hues, repeated lighter for verbs 11–20. */
export const SUNBURST_HUES = ['#1f4e79', '#b5562b', '#2e7d4f', '#7a3e9d', '#a07400', '#1b7f8c', '#b03a5b', '#4d6b1f', '#5a4fcf', '#8a5a3c'];

interface Datum {
	name: string;
	value?: number;
	verb?: string;
	other?: boolean;
	children?: Datum[];
}

export interface SunburstArc {
	key: string;
	/** 1: a verb, 2: a noun. */
	depth: 1 | 2;
	verb: string;
	name: string;
	count: number;
	/** SVG path around (0, 0). */
	path: string;
	fill: string;
	/** Hover and keyboard text: the arc's numbers. */
	title: string;
	/** Where its name is written, when the arc is wide enough. */
	label: { x: number; y: number; text: string; rotate: number } | null;
}

function mix(hex: string, towardsWhite: number): string {
	const n = parseInt(hex.slice(1), 16);
	const ch = (shift: number) => Math.round(((n >> shift) & 255) + (255 - ((n >> shift) & 255)) * towardsWhite);
	return `rgb(${ch(16)}, ${ch(8)}, ${ch(0)})`;
}

/** Label sizes in px: the page's (Sunburst.svelte) by default; the figure file passes its own. */
export interface SunburstFonts {
	verb: number;
	noun: number;
}
export const PAGE_SUNBURST_FONTS: SunburstFonts = { verb: 10.5, noun: 9 };

/** An estimate of a label's width in px (no text metrics here: the layout is pure and runs on the server too). */
function labelWidth(text: string, font: number, bold: boolean): number {
	return text.length * font * (bold ? 0.62 : 0.58);
}

/**
 * The label written along the arc's radius, shortened with "…" to fit the ring's depth, or null
 * when even a few letters would not fit (or the arc is too narrow for the text's height).
 */
export function fitLabel(name: string, r0: number, r1: number, angle: number, font: number, bold: boolean): { text: string; width: number } | null {
	const room = r1 - r0 - 2;
	let text = name;
	if (labelWidth(text, font, bold) > room) {
		let n = name.length - 1;
		while (n >= 3 && labelWidth(`${name.slice(0, n)}…`, font, bold) > room) n--;
		if (n < 3) return null;
		text = `${name.slice(0, n).trimEnd()}…`;
	}
	const width = labelWidth(text, font, bold);
	// The narrowest point under the text is its inner end: the arc must be as wide as a line there.
	const inner = (r0 + r1) / 2 - width / 2;
	return inner * angle >= font * 1.1 ? { text, width } : null;
}

/**
 * Each verb followed by its nouns: the order the arrow keys step through. The verbs go round in
 * the table's order (by all their pairs, not only those of their top nouns), their nouns by count.
 */
export function sunburstArcs(top: readonly TopVerb[], instructions: number, size: number, fonts: SunburstFonts = PAGE_SUNBURST_FONTS): SunburstArc[] {
	const rank = new Map(top.map((v, k) => [v.verb, k]));
	const root: Datum = {
		name: 'root',
		children: top.map((v) => ({
			name: v.verb,
			verb: v.verb,
			// As in Figure 2, the arcs are the top verbs × top nouns only; the rest of each verb's pairs is in the table.
			children: v.nouns.map((n) => ({ name: n.noun, verb: v.verb, value: n.count }))
		}))
	};
	const laid = partition<Datum>().size([2 * Math.PI, 3])(
		hierarchy(root)
			.sum((d) => d.value ?? 0)
			.sort((a, b) => (a.depth === 1 ? (rank.get(a.data.name) ?? 0) - (rank.get(b.data.name) ?? 0) : (b.value ?? 0) - (a.value ?? 0)))
	);
	const radius = size / 2 - 4;
	const ring = (depth: number) => (depth === 1 ? [radius * 0.28, radius * 0.62] : [radius * 0.63, radius]);

	function arcPath(d: HierarchyRectangularNode<Datum>): string {
		const [r0, r1] = ring(d.depth);
		const a0 = d.x0;
		const a1 = Math.max(d.x0 + 1e-6, d.x1 - 0.002);
		const large = a1 - a0 > Math.PI ? 1 : 0;
		const p = (r: number, a: number) => `${(r * Math.sin(a)).toFixed(2)},${(-r * Math.cos(a)).toFixed(2)}`;
		if (a1 - a0 >= 2 * Math.PI - 1e-3) {
			// A full ring: two half arcs.
			return `M${p(r1, 0)}A${r1},${r1} 0 1 1 ${p(r1, Math.PI)}A${r1},${r1} 0 1 1 ${p(r1, 0)}M${p(r0, 0)}A${r0},${r0} 0 1 0 ${p(r0, Math.PI)}A${r0},${r0} 0 1 0 ${p(r0, 0)}Z`;
		}
		return `M${p(r1, a0)}A${r1},${r1} 0 ${large} 1 ${p(r1, a1)}L${p(r0, a1)}A${r0},${r0} 0 ${large} 0 ${p(r0, a0)}Z`;
	}

	function colour(d: HierarchyRectangularNode<Datum>): string {
		const verbIndex = top.findIndex((v) => v.verb === d.data.verb);
		const base = SUNBURST_HUES[verbIndex % SUNBURST_HUES.length];
		if (d.data.other) return '#e6e9ef';
		const light = verbIndex >= SUNBURST_HUES.length ? 0.35 : 0;
		return d.depth === 1 ? mix(base, light) : mix(base, 0.45 + light / 2);
	}

	function describe(d: HierarchyRectangularNode<Datum>): string {
		const count = d.value ?? 0;
		const share = instructions > 0 ? ` (${pct(count / instructions)} of instructions)` : '';
		if (d.depth === 1) {
			const pairs = top.find((v) => v.verb === d.data.name)?.pairs ?? count;
			return `${d.data.name}: ${formatNumber(count)} with its top nouns, ${formatCount(pairs, 'pair')} in all${instructions > 0 ? ` (${pct(pairs / instructions)} of instructions)` : ''}`;
		}
		return `${d.data.verb} → ${d.data.name}: ${formatNumber(count)}${share}`;
	}

	function labelOf(d: HierarchyRectangularNode<Datum>): SunburstArc['label'] {
		if (d.data.other) return null;
		const [r0, r1] = ring(d.depth);
		const fitted = fitLabel(d.data.name, r0, r1, d.x1 - d.x0, d.depth === 1 ? fonts.verb : fonts.noun, d.depth === 1);
		if (!fitted) return null;
		const a = (d.x0 + d.x1) / 2;
		const r = (r0 + r1) / 2;
		let deg = (a * 180) / Math.PI - 90;
		if (deg > 90) deg -= 180;
		return { x: r * Math.sin(a), y: -r * Math.cos(a), text: fitted.text, rotate: deg };
	}

	return (laid.children ?? [])
		.flatMap((v) => [v, ...(v.children ?? [])])
		.map((d) => ({
			key: `${d.data.verb}/${d.data.name}${d.depth}`,
			depth: d.depth as 1 | 2,
			verb: d.data.verb ?? d.data.name,
			name: d.data.name,
			count: d.value ?? 0,
			path: arcPath(d),
			fill: colour(d),
			title: describe(d),
			label: labelOf(d)
		}));
}
