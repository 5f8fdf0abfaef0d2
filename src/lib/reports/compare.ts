/**
 * Two audits side by side (two generation runs, two filter settings, …): each rate of both, the
 * difference first − second, and its Newcombe hybrid score interval (the two audits are
 * independent samples).
 */
import { RATING_KEYS } from '$lib/audits/rubric';
import { proportionDifferenceInterval, wilsonInterval } from '$lib/stats';
import type { MajorityBounds } from './estimators';
import type { Estimate, GroupKey } from './quality';
import type { AuditReport } from './report';
import { type ReportAudit } from './types';

export interface ComparisonRow {
	/** quality: 'rate' (a question or all valid) or 'breakdown'; rating: 'model'. */
	section: 'rate' | 'breakdown' | 'model';
	/** Quality: the task group; rating: the model. */
	group: GroupKey | string;
	/** The rate: a question key, 'allValid', a category, 'aOrB' or a level A–D. */
	key: string;
	first: Estimate;
	second: Estimate;
	/** first − second; null when either side has no decided items, or ties keep it a range. */
	difference: number | null;
	lower: number;
	upper: number;
	/**
	 * Rates with tied items: `first` / `second` count ties as "no"; these count them as "yes"
	 * (item majority, ties as bounds), and the interval spans both.
	 */
	firstHigh?: Estimate;
	secondHigh?: Estimate;
	note?: string;
}

export interface AuditComparison {
	first: ReportAudit;
	second: ReportAudit;
	confidence: number;
	kind: 'quality' | 'rating';
	rows: ComparisonRow[];
}

export class ComparisonError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ComparisonError';
	}
}

function row(section: ComparisonRow['section'], group: string, key: string, first: Estimate, second: Estimate, confidence: number): ComparisonRow {
	const d = proportionDifferenceInterval(
		{ successes: first.successes, trials: first.trials },
		{ successes: second.successes, trials: second.trials },
		{ confidence }
	);
	const plain = (e: Estimate): Estimate => ({ successes: e.successes, trials: e.trials, proportion: e.proportion, lower: e.lower, upper: e.upper });
	return { section, group, key, first: plain(first), second: plain(second), difference: d.difference, lower: d.lower, upper: d.upper };
}

const plainOf = (x: { successes: number; trials: number; proportion: number | null; lower: number; upper: number }): Estimate => ({
	successes: x.successes,
	trials: x.trials,
	proportion: x.proportion,
	lower: x.lower,
	upper: x.upper
});

/**
 * A rate of both audits by item majority with ties as bounds: with no ties, Newcombe's interval
 * for the difference; with ties, the difference lies between (low₁ − high₂) and (high₁ − low₂), and
 * the interval runs from the first's Newcombe lower bound to the second's upper bound.
 */
function rateRow(group: string, key: string, first: MajorityBounds, second: MajorityBounds, confidence: number): ComparisonRow {
	if (first.ties === 0 && second.ties === 0) return row('rate', group, key, first.low, second.low, confidence);
	const low = proportionDifferenceInterval(first.low, second.high, { confidence });
	const high = proportionDifferenceInterval(first.high, second.low, { confidence });
	return {
		section: 'rate',
		group,
		key,
		first: plainOf(first.low),
		second: plainOf(second.low),
		firstHigh: plainOf(first.high),
		secondHigh: plainOf(second.high),
		difference: null,
		lower: low.lower,
		upper: high.upper,
		note: `ties counted both ways (${first.ties} and ${second.ties} tied items): the difference is between ${low.difference === null ? '—' : (low.difference * 100).toFixed(1)} and ${high.difference === null ? '—' : (high.difference * 100).toFixed(1)} points`
	};
}

function estimate(successes: number, trials: number, confidence: number): Estimate {
	const w = wilsonInterval(successes, trials, { confidence });
	return { successes, trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

/** Compares two reports of the same kind, computed at the same confidence level. */
export function compareReports(first: AuditReport, second: AuditReport): AuditComparison {
	if (first.audit.kind !== second.audit.kind) {
		throw new ComparisonError(`Cannot compare a ${first.audit.kind} audit with a ${second.audit.kind} audit.`);
	}
	if (first.confidence !== second.confidence) throw new ComparisonError('Both reports must use the same confidence level.');
	const kind = first.audit.kind;
	if (kind !== 'quality' && kind !== 'rating') throw new ComparisonError(`Comparing ${kind} audits side by side is not available yet.`);
	const confidence = first.confidence;
	const rows: ComparisonRow[] = [];
	if (first.quality && second.quality) {
		for (const a of first.quality.groups) {
			const b = second.quality.groups.find((g) => g.key === a.key);
			if (!b) continue;
			for (const rate of a.rates) {
				const other = b.rates.find((r) => r.key === rate.key)!;
				rows.push(rateRow(a.key, rate.key, rate.majority, other.majority, confidence));
			}
			const keys = [...new Set([...a.breakdown.map((r) => r.key), ...b.breakdown.map((r) => r.key)])];
			for (const key of keys) {
				// A category one audit never used (e.g. tied reasons) is 0 of its decided items.
				const x = a.breakdown.find((r) => r.key === key) ?? estimate(0, a.decided, confidence);
				const y = b.breakdown.find((r) => r.key === key) ?? estimate(0, b.decided, confidence);
				rows.push(row('breakdown', a.key, key, x, y, confidence));
			}
		}
	} else if (first.rating && second.rating) {
		for (const a of first.rating.models) {
			const b = second.rating.models.find((m) => m.model === a.model);
			if (!b) continue;
			rows.push(row('model', a.model, 'aOrB', a.aOrB, b.aOrB, confidence));
			for (const level of RATING_KEYS) {
				rows.push(row('model', a.model, level, estimate(a.counts[level], a.n, confidence), estimate(b.counts[level], b.n, confidence), confidence));
			}
		}
	}
	return { first: first.audit, second: second.audit, confidence, kind, rows };
}
