/**
 * What the audits say about an export's quality, for its manifest.
 *
 * The population is what the export selects before any human-label filter. The audited items
 * that fall in it are a random subsample of it (audits sample at random), so their share of
 * correct items — all three questions yes (Self-Instruct's "all fields valid", paper Table 2),
 * or for model responses a rating of A or B (Figure 5) — estimates the population's rate, with a
 * 95% Wilson score interval. Items whose reviewers tie count in neither side.
 *
 * For the exported file itself: rows with a final label count as what the label says, the
 * others at the population rate (and its interval bounds) — so a file restricted to items
 * labelled correct reports 100%, and a mixed file something between.
 */
import type Database from 'better-sqlite3';
import { wilsonInterval, DEFAULT_CONFIDENCE } from '$lib/stats';
import { withoutHumanLabels } from './filters';
import { QUALITY_ALL_YES, QUALITY_DECIDED, withQualityFinal, withRatingFinal } from './human-labels';
import { selectionQuery, type ExportSelection } from './query';

export interface AuditSummary {
	id: number;
	name: string;
	kind: string;
	status: string;
	sampleSize: number;
	includeRejected: boolean;
	stratify: string;
	instanceMode: string;
}

export interface QualityEstimate {
	/** What counts as correct. */
	measure: 'all three questions yes' | 'rated A or B';
	audits: AuditSummary[];
	population: {
		description: string;
		/** Items of the population with a final label (ties excluded). */
		trials: number;
		successes: number;
		/** Audited items of the population whose reviewers tie (no final label). */
		ties: number;
		rate: number | null;
		lower: number;
		upper: number;
		confidence: number;
		method: string;
	};
	/** The exported rows (instances or responses; reformulations not included). */
	exported: {
		rows: number;
		labelledCorrect: number;
		labelledIncorrect: number;
		unlabelled: number;
		/** Expected share of correct rows, with the interval carried from the population's. */
		rate: number | null;
		lower: number | null;
		upper: number | null;
	};
	caveats: string[];
}

function auditsInScope(client: Database.Database, selection: ExportSelection, kind: 'quality' | 'rating'): AuditSummary[] {
	const ids = selection.filters.audits ?? [];
	const rows = client
		.prepare(
			`SELECT id, name, kind, status, sample_size AS sampleSize, include_rejected AS includeRejected, stratify, instance_mode AS instanceMode
			 FROM audits WHERE dataset_id = ? AND kind = ?${ids.length ? ` AND id IN (${ids.map(() => '?').join(', ')})` : ''} ORDER BY id`
		)
		.all(selection.datasetId, kind, ...ids) as (Omit<AuditSummary, 'includeRejected'> & { includeRejected: number })[];
	return rows.map((r) => ({ ...r, includeRejected: r.includeRejected === 1 }));
}

/** The estimate for a selection, or null when no audit has labelled any item of its population. */
export function estimateQuality(client: Database.Database, selection: ExportSelection): QualityEstimate | null {
	const responses = !!selection.responsesOf;
	const kind = responses ? 'rating' : 'quality';
	const audits = auditsInScope(client, selection, kind);
	if (audits.length === 0) return null;
	const scope = { datasetId: selection.datasetId, auditIds: selection.filters.audits };

	// The population: the selection without its human-label filters.
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	const finalName = responses ? withRatingFinal(pq, scope) : withQualityFinal(pq, scope);
	const key = responses ? 'response_id' : 'instance_id';
	const member = responses ? 'r.id' : 'i.id';
	const correct = responses ? "lf.rating IN ('A', 'B')" : QUALITY_ALL_YES.replaceAll('qf.', 'lf.');
	const decided = responses ? 'lf.rating IS NOT NULL' : QUALITY_DECIDED.replaceAll('qf.', 'lf.');
	const sample = client
		.prepare(
			`${pq.withClause()}SELECT sum(CASE WHEN ${decided} THEN 1 ELSE 0 END) AS trials,
				sum(CASE WHEN ${decided} AND ${correct} THEN 1 ELSE 0 END) AS successes,
				sum(CASE WHEN ${decided} THEN 0 ELSE 1 END) AS ties
			 FROM ${finalName} lf
			 WHERE lf.${key} IN (SELECT ${member} FROM ${population.from} WHERE ${pq.whereClause()})`
		)
		.get(pq.params) as { trials: number | null; successes: number | null; ties: number | null };
	const trials = sample.trials ?? 0;
	const successes = sample.successes ?? 0;
	const ties = sample.ties ?? 0;
	if (trials === 0 && ties === 0) return null;

	// The exported rows, by what their final label says.
	const exported = selectionQuery(selection);
	const eq = exported.q;
	const exportedFinal = responses ? withRatingFinal(eq, scope) : withQualityFinal(eq, scope);
	const split = client
		.prepare(
			`${eq.withClause()}SELECT count(*) AS n,
				sum(CASE WHEN lf.${key} IS NOT NULL AND ${decided} AND ${correct} THEN 1 ELSE 0 END) AS good,
				sum(CASE WHEN lf.${key} IS NOT NULL AND ${decided} AND NOT (${correct}) THEN 1 ELSE 0 END) AS bad
			 FROM ${exported.from} LEFT JOIN ${exportedFinal} lf ON lf.${key} = ${member}
			 WHERE ${eq.whereClause()}`
		)
		.get(eq.params) as { n: number; good: number | null; bad: number | null };
	const good = split.good ?? 0;
	const bad = split.bad ?? 0;
	const unlabelled = split.n - good - bad;

	const interval = wilsonInterval(successes, trials, { confidence: DEFAULT_CONFIDENCE });
	const carry = (p: number | null) => (p === null || split.n === 0 ? null : (good + unlabelled * p) / split.n);
	const caveats: string[] = [];
	if (trials < 30) caveats.push(`Only ${trials} audited item${trials === 1 ? '' : 's'} of this population have a final label: the interval is wide.`);
	if (ties > 0) caveats.push(`${ties} audited item${ties === 1 ? '' : 's'} with tied reviewer labels and no adjudication are left out of the estimate.`);
	if (audits.some((a) => a.stratify !== 'none')) {
		caveats.push('A stratified audit samples its strata at different rates; this estimate pools its items without weights.');
	}
	if (selection.filters.kept !== 'yes' && audits.some((a) => !a.includeRejected)) {
		caveats.push('The population includes items rejected by the automatic filters, which an audit that skipped rejected items never sampled.');
	}
	if (unlabelled > 0 && trials === 0) caveats.push('No decided label in the population: unlabelled rows cannot be estimated.');
	return {
		measure: responses ? 'rated A or B' : 'all three questions yes',
		audits,
		population: {
			description: 'the rows this export selects before its human-label filters',
			trials,
			successes,
			ties,
			rate: interval.proportion,
			lower: interval.lower,
			upper: interval.upper,
			confidence: interval.confidence,
			method: 'Wilson score interval'
		},
		exported: {
			rows: split.n,
			labelledCorrect: good,
			labelledIncorrect: bad,
			unlabelled,
			rate: trials === 0 && unlabelled > 0 ? null : carry(interval.proportion ?? 0),
			lower: trials === 0 && unlabelled > 0 ? null : carry(interval.lower),
			upper: trials === 0 && unlabelled > 0 ? null : carry(interval.upper)
		},
		caveats
	};
}
