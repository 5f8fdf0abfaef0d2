/**
 * What the audits say about an export's quality, for its manifest.
 *
 * The population is what the export selects before any human-label filter. The audited items
 * that fall in it are a random subsample of it (audits sample at random), so their share of
 * correct items — all fields valid (Self-Instruct's Table 2), or for model responses a rating of A
 * or B (Figure 5) — estimates the population's rate. Quality audits use the report's estimator
 * and headline ($lib/reports: latent truth, item majority with ties as bounds, or label level —
 * the audit's choice, else chosen by the data) and the manifest names it; rating audits use the
 * report's share rated A or B (label level, each response shared among its reviewers' ratings:
 * $lib/exports/rating-estimate). No audited item is left out.
 *
 * For the exported file itself: rows with a final label count as what the label says, the
 * others at the population rate (and its interval bounds) — so a file restricted to items
 * labelled correct reports 100%, and a mixed file something between.
 */
import { auditImport } from '../bundles/provenance';
import type Database from 'better-sqlite3';
import { stratifiedBounds, wilsonInterval, DEFAULT_CONFIDENCE } from '$lib/stats';
import type { VerdictWeightedFacts } from '$lib/reports/methods';
import { stratumRowsText, stratumShift } from '$lib/reports/weighted';
import type { StratumRows } from '$lib/reports/types';
import { ESTIMATOR_LABELS, allValidEstimateOfInstances, newLatentMemo, type AllValidEstimate, type EstimatorKey, type LatentMemo, type LatentProgress, type ReportInput } from '$lib/reports';
import { db, type Db } from '../db';
import { loadReportInput } from '../reports/load';
import { allValidEstimateOffThread, serverTask } from '../reports/threads';
import { LATENT_BACKGROUND_ANSWERS, computeLatentLater, keepLatent, keptLatent, latentProgress } from '../reports/latent';
import { usesHumanLabels, withoutHumanLabels } from './filters';
import { inSentence } from '$lib/text/words';
import { ratedAOrBOfResponses } from '$lib/exports/rating-estimate';
import { KEPT_STRATUM, REJECTED_STRATUM_PREFIX, compareVerdictStrata, verdictStratumLabel } from '$lib/audits/sampling';
import { QUALITY_ALL_YES, QUALITY_DECIDED, withQualityFinal, withRatingFinal, type AuditScope } from './human-labels';
import { labelScope, selectionQuery, withReviewersNotCounted, type ExportSelection } from './query';
import type { SqlQuery } from './sql';
import type { RateRange } from '$lib/stats/rate-range';

/**
 * What a label-level "all fields valid" rate is, wherever the export states it (method, caveat,
 * command line, page, card): a share of the reviewers' labels, not of rows — the report's own words.
 */
export const LABEL_LEVEL_READING =
	"the share of the reviewers' labels saying all fields valid — how often a reviewer says yes, not how often the answer is yes, and not a share of correct rows; adjudications do not enter it";

function labelLevelCaveat(
	p: Pick<QualityEstimate['population'], 'rate' | 'successes' | 'trials' | 'items'>,
	l: { adjudicated: number; majority: Pick<RateRange, 'low' | 'high'> & { lower: number; upper: number } }
): string {
	const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
	const m = l.majority;
	const majority = `${pct(m.low) === pct(m.high) ? pct(m.low) : `${pct(m.low)}–${pct(m.high)}`} [${pct(m.lower)}, ${pct(m.upper)}]`;
	return (
		`Label level is this estimate's headline (the audit's choice): ${pct(p.rate)} is the share of the reviewers' ${p.trials} labels on ${p.items} items that say all fields valid (${p.successes} of them) — how often a reviewer says yes, not how often the answer is yes — not an expected share of correct rows. ` +
		(l.adjudicated
			? `The ${l.adjudicated} adjudication${l.adjudicated === 1 ? '' : 's'} on these items ${l.adjudicated === 1 ? 'does' : 'do'} not enter it; the item majority, which counts ${l.adjudicated === 1 ? 'it' : 'them'}, gives ${majority}.`
			: `Adjudications would not enter it; the item majority gives ${majority}.`)
	);
}

/** The name of a rating estimate's estimator: the report's label level, each response shared among its ratings. */
export const RATED_SHARES_NAME = `${ESTIMATOR_LABELS.label}, each response shared among its ratings`;

export interface AuditSummary {
	id: number;
	name: string;
	kind: string;
	status: string;
	sampleSize: number;
	includeRejected: boolean;
	stratify: string;
	instanceMode: string;
	/** Imported from a bundle: by whom, when, from which file; null when made here. */
	imported: { by: string | null; at: string; file: { name: string; sha256: string } } | null;
}

export interface QualityEstimate {
	/** What counts as correct. */
	measure: 'all fields valid' | 'rated A or B';
	audits: AuditSummary[];
	/** The population's rate; the range low–high when ties keep the majority bounds apart. */
	population: RateRange & {
		description: string;
		/** The estimator behind rate and interval (the report's headline), and its name. */
		estimator: EstimatorKey;
		estimatorName: string;
		/** Why the report's preferred estimator is not the one used (e.g. latent truth not identified). */
		fallback: string | null;
		/** Audited items of the population with a label, an adjudication or a tie: the estimate's n. */
		items: number;
		/**
		 * What the estimator counts, and how many: items (item majority, latent truth; rated
		 * responses) or labels (label level, a share of every reviewer's answer).
		 */
		unit: 'items' | 'labels';
		trials: number;
		/**
		 * The estimator's own counts beside its rate: correct items and tied items (item majority,
		 * ties counted both ways), or yes labels (label level, no ties); null for latent truth,
		 * a model's estimate with no such count.
		 */
		successes: number | null;
		ties: number | null;
		confidence: number;
		method: string;
		/**
		 * Set when a verdict-stratified audit is in scope and the population spans several verdict
		 * strata (sampled at different rates): the rate above weights each stratum's item majority by
		 * its rows in the population (within the audits' sampling frame), and these are the strata.
		 */
		strata?: VerdictStratumFigure[];
	};
	/** The exported rows (instances or responses; reformulations not included). */
	exported: {
		rows: number;
		labelledCorrect: number;
		labelledIncorrect: number;
		/** Audited rows whose reviewers tied (no final label): they count at the population's rate. */
		tied: number;
		/** Rows with no final label and no tie — not sampled, or sampled and not labelled yet: they count at the population's rate. */
		unlabelled: number;
		/** Of `unlabelled`, the rows an audit in scope sampled that have no label yet (labelling goes on). */
		sampledNotLabelled: number;
		/** Expected share of correct rows, with the interval carried from the population's. */
		rate: number | null;
		/** With majority bounds kept apart by ties: the two figures carried over. */
		low: number | null;
		high: number | null;
		/** Null when no interval is estimated: every row has a final label, taken as true. */
		lower: number | null;
		upper: number | null;
		/**
		 * How the figures are found: `population` — no human-label filter, so the file is the audited
		 * population and has its figures; `frame` — no human-label filter, but some rows lie outside the
		 * audits' sampling frame: the others carry the population's figures, those count as unknown; `labels` — every row has a final label; `mixed` — labelled
		 * rows as their labels say, the others at the population's rate.
		 */
		basis: 'population' | 'frame' | 'labels' | 'mixed';
		/** The same in a sentence, for the page, the CLI and the card. */
		method: string;
		/**
		 * Rows of the file no audit in scope could have drawn (outside every audit's sampling frame:
		 * e.g. seed tasks, which no verdict stratum holds, or rows added after the draw), by task
		 * origin. They have no estimate: counted as no for the lower figures and yes for the upper.
		 */
		outsideFrame: OutsideFrame;
	};
	caveats: string[];
}

function auditsInScope(client: Database.Database, selection: ExportSelection, kind: 'quality' | 'rating'): AuditSummary[] {
	const ids = selection.filters.audits ?? [];
	const rows = client
		.prepare<unknown[], Omit<AuditSummary, 'includeRejected' | 'imported'> & { includeRejected: number }>(
			`SELECT id, name, kind, status, sample_size AS sampleSize, include_rejected AS includeRejected, stratify, instance_mode AS instanceMode
			 FROM audits WHERE dataset_id = ? AND kind = ? AND status <> 'preparing'${ids.length ? ` AND id IN (${ids.map(() => '?').join(', ')})` : ''} ORDER BY id`
		)
		.all(selection.datasetId, kind, ...ids);
	return rows.map((r) => {
		const imported = auditImport(r.id, readOnly(client));
		return { ...r, includeRejected: r.includeRejected === 1, imported: imported && { by: imported.by, at: imported.at, file: imported.file } };
	});
}

/** One verdict stratum of a stratified population estimate: its rows and its audited items' item majority. */
export interface VerdictStratumFigure {
	/** 'kept', 'rejected:<rule>', or 'unjudged' (rows no filter run judged, e.g. seed tasks). */
	stratum: string;
	label: string;
	/** Rows of the population in it (within the audits' sampling frame): its weight. Estimated (not whole) with `estimatedFrom`. */
	rows: number;
	/** Audited items in it with a final label or a tie. */
	items: number;
	successes: number;
	ties: number;
	/** Null on ties, or when no item was judged (then low, high null, lower 0 and upper 1: unknown). */
	rate: number | null;
	/** Tied items as no, and as yes. */
	low: number | null;
	high: number | null;
	lower: number;
	upper: number;
	/**
	 * Set when rows changed verdict stratum since the audit was drawn: the strata are then the
	 * audit's as drawn, and `rows` is estimated from them (the stratum's rows when drawn × inGroup
	 * of its drawn items, the ones in the population now).
	 */
	estimatedFrom?: { stratumRows: number; drawn: number; inGroup: number };
}

/** Whether an audit has a label or an adjudication: one with neither contributes nothing to an estimate (the card and the caveats leave it out). */
export function auditHasLabels(client: Database.Database, auditId: number): boolean {
	return !!client
		.prepare<[number, number], number>('SELECT EXISTS (SELECT 1 FROM audit_labels WHERE audit_id = ?) OR EXISTS (SELECT 1 FROM audit_adjudications WHERE audit_id = ?)')
		.pluck()
		.get(auditId, auditId);
}

/** Rows no audit in scope could have drawn, and of which task origin. */
export interface OutsideFrame {
	rows: number;
	origins: { seed: number; generated: number; imported: number };
}

/** A row's verdict stratum in SQL, over tasks `t` and instances `i`: verdictStratum ($lib/audits/sampling) as the database computes it; NULL when no filter judged it. */
const VERDICT_STRATUM_SQL = `CASE WHEN t.filter_status IS NULL AND i.filter_status IS NULL THEN NULL
	WHEN i.filter_status = 'rejected' AND i.filter_rule IS NOT NULL AND i.filter_rule <> 'taskRejected' THEN '${REJECTED_STRATUM_PREFIX}' || i.filter_rule
	WHEN t.filter_status = 'rejected' THEN '${REJECTED_STRATUM_PREFIX}' || coalesce(t.filter_rule, 'unknown')
	WHEN i.filter_status = 'rejected' THEN '${REJECTED_STRATUM_PREFIX}' || coalesce(i.filter_rule, 'unknown')
	ELSE '${KEPT_STRATUM}' END`;

/**
 * SQL truth, over tasks `t` and instances `i` (and with `responses`, model responses `r`), of "some
 * audit in scope could have drawn this row" (see outsideSamplingFrame).
 */
function inSamplingFrameSql(q: SqlQuery, audits: readonly AuditSummary[], responses = false): string {
	const verdictFrame = `(a.stratify <> 'verdict'
			OR (a.strata IS NULL AND (t.filter_status IS NOT NULL OR i.filter_status IS NOT NULL))
			OR (${VERDICT_STRATUM_SQL}) IN (SELECT json_extract(s.value, '$.key') FROM json_each(a.strata) s WHERE json_extract(s.value, '$.size') > 0))`;
	if (responses) {
		// A rating audit rates the first response of each of its models per task and instance, as they were when it was drawn
		// (audits/create.ts loadRatingGroups); a response its reviewers rated was drawn whatever its item records.
		return `EXISTS (SELECT 1 FROM audits a WHERE a.id IN (${q.list(audits.map((a) => a.id))}) AND (
		a.imported_at IS NOT NULL
		OR EXISTS (SELECT 1 FROM audit_item_responses ir JOIN audit_items it ON it.id = ir.item_id WHERE it.audit_id = a.id AND ir.response_id = r.id AND it.is_gold = 0)
		OR (r.created_at <= a.created_at AND (a.models IS NULL OR r.model IN (SELECT value FROM json_each(a.models)))
			AND r.id = (SELECT min(r2.id) FROM responses r2 WHERE r2.task_id = r.task_id AND r2.instance_id = r.instance_id AND r2.model = r.model)
			AND ${verdictFrame})
		OR EXISTS (SELECT 1 FROM audit_label_ratings lr WHERE lr.audit_id = a.id AND lr.model = r.model AND lr.response_id = r.id)))`;
	}
	return `EXISTS (SELECT 1 FROM audits a WHERE a.id IN (${q.list(audits.map((a) => a.id))}) AND (
		a.imported_at IS NOT NULL
		OR EXISTS (SELECT 1 FROM audit_items it WHERE it.audit_id = a.id AND it.instance_id = i.id AND it.is_gold = 0)
		OR (i.created_at <= a.created_at AND ${verdictFrame})))`;
}

/**
 * The rows of `rows` outside the sampling frame of every audit in scope: not drawn by it, and
 * added after it was drawn, or — verdict-stratified audits draw from the strata given a size
 * only — in no such stratum now (seed tasks, which the filters never judge, are in none). Model
 * responses (a rating audit's rows) are outside it too when their model is not one the audit rates,
 * or when another response of that model to the same row came first. An audit imported from a
 * bundle was drawn elsewhere: its frame is unknown here and taken to hold every row. Gold is not
 * counted.
 */
function outsideSamplingFrame(client: Database.Database, rows: { q: SqlQuery; from: string }, audits: readonly AuditSummary[], responses = false): OutsideFrame {
	const { q, from } = rows;
	const counts = client
		.prepare<[unknown], { origin: string; n: number }>(
			`${q.withClause()}SELECT t.origin AS origin, count(*) AS n FROM ${from} WHERE ${q.whereClause()} AND NOT ${inSamplingFrameSql(q, audits, responses)}
			 GROUP BY t.origin`
		)
		.all(q.params);
	const origins = { seed: 0, generated: 0, imported: 0 };
	for (const c of counts) if (c.origin in origins) origins[c.origin as keyof typeof origins] += c.n;
	return { rows: counts.reduce((n, c) => n + c.n, 0), origins };
}

/** "20 rows (20 of seed tasks)", for the method, the caveat and the card. */
export function outsideFrameText(o: OutsideFrame): string {
	const parts = (['seed', 'generated', 'imported'] as const).filter((k) => o.origins[k]).map((k) => `${o.origins[k].toLocaleString('en-US')} ${k === 'seed' ? 'of seed tasks' : k}`);
	return `${o.rows.toLocaleString('en-US')} row${o.rows === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Why an export of a model's responses has no estimate although rating audits are in scope: they
 * rate other models' responses only, so none of this file's rows is in their sampling frame.
 * Null when there is an estimate, no rating audit in scope, or one rates this model.
 */
export function noEstimateNote(client: Database.Database, selection: ExportSelection, quality: QualityEstimate | null): string | null {
	const model = selection.responsesOf;
	if (quality || !model) return null;
	const audits = auditsInScope(client, selection, 'rating');
	if (!audits.length) return null;
	// What each audit rates: the models of its items' responses (audits/create.ts loadRatingGroups).
	const rated = client
		.prepare<[number], string>(
			`SELECT DISTINCT r.model FROM audit_items it JOIN audit_item_responses ir ON ir.item_id = it.id JOIN responses r ON r.id = ir.response_id
			 WHERE it.audit_id = ? ORDER BY r.model`
		)
		.pluck();
	const models = [...new Set(audits.flatMap((a) => rated.all(a.id)))];
	if (!models.length || models.includes(model)) return null;
	const names = audits.map((a) => `"${a.name}"`).join(', ');
	const list = models.length === 1 ? models[0] : `${models.slice(0, -1).join(', ')} and ${models.at(-1)}`;
	return (
		`${audits.length === 1 ? `Audit ${names} rates` : `Audits ${names} rate`} the responses of ${list}, not ${model}'s: this file's rows lie outside ${audits.length === 1 ? 'its' : 'their'} sampling frame ` +
		`(a rating audit rates the first response of each of its models to a row: other models' responses are not in its frame), so no estimate covers this export.`
	);
}

/** Whether the population (the selection before its human-label filters) holds rows the automatic filters rejected. */
function hasRejectedRows(client: Database.Database, selection: ExportSelection): boolean {
	const { q, from } = selectionQuery(selection, { ...withoutHumanLabels(selection.filters), kept: 'no' });
	const row = client.prepare<[unknown], { found: number }>(`${q.withClause()}SELECT EXISTS (SELECT 1 FROM ${from} WHERE ${q.whereClause()}) AS found`).get(q.params)!;
	return row.found === 1;
}

/**
 * The audits' sampled (not gold) instances that the automatic filters reject now, each with
 * whether the population holds it and whether it was rejected already when drawn — on purpose:
 * from a verdict stratum of rejected rows, or by an audit that samples rejected rows too with no
 * filter run since — rather than rejected by a filter run after the draw; in instance order.
 */
function auditedNowRejected(
	client: Database.Database,
	selection: ExportSelection,
	audits: readonly AuditSummary[]
): { instanceId: number; inPopulation: boolean; drawnRejected: boolean; stratified: boolean }[] {
	if (audits.length === 0) return [];
	const rejected = selectionQuery({ datasetId: selection.datasetId, filters: { kept: 'no' } });
	const rq = rejected.q;
	const rows = client
		.prepare<[unknown], { instanceId: number; drawnRejected: number; stratified: number }>(
			`${rq.withClause()}SELECT it.instance_id AS instanceId,
				max(CASE WHEN a.stratify = 'verdict' THEN it.stratum LIKE 'rejected:%'
					WHEN a.include_rejected = 1 THEN NOT EXISTS (SELECT 1 FROM filter_runs fr WHERE fr.dataset_id = a.dataset_id AND fr.created_at > a.created_at)
					ELSE 0 END) AS drawnRejected,
				max(a.stratify = 'verdict' AND it.stratum LIKE 'rejected:%') AS stratified
			 FROM audit_items it JOIN audits a ON a.id = it.audit_id
			 WHERE it.audit_id IN (${rq.list(audits.map((a) => a.id))}) AND it.is_gold = 0 AND it.instance_id IN (SELECT i.id FROM ${rejected.from} WHERE ${rq.whereClause()})
			 GROUP BY it.instance_id ORDER BY it.instance_id`
		)
		.all(rq.params);
	if (rows.length === 0) return [];
	const ids = rows.map((r) => r.instanceId);
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	const held = new Set(
		client.prepare<[unknown], number>(`${pq.withClause()}SELECT DISTINCT i.id FROM ${population.from} WHERE ${pq.whereClause()} AND i.id IN (${pq.list(ids)})`).pluck().all(pq.params)
	);
	return rows.map((r) => ({ instanceId: r.instanceId, inPopulation: held.has(r.instanceId), drawnRejected: r.drawnRejected === 1, stratified: r.stratified === 1 }));
}

/** A verdict-stratified audit's (not gold) items per stratum they were drawn from, and how many of each the population holds. */
function verdictStrataInPopulation(client: Database.Database, selection: ExportSelection, auditId: number): { stratum: string; drawn: number; inPopulation: number }[] {
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	return client
		.prepare<[unknown], { stratum: string; drawn: number; inPopulation: number }>(
			`${pq.withClause()}SELECT it.stratum AS stratum, count(*) AS drawn,
				sum(CASE WHEN it.instance_id IN (SELECT i.id FROM ${population.from} WHERE ${pq.whereClause()}) THEN 1 ELSE 0 END) AS inPopulation
			 FROM audit_items it WHERE it.audit_id = ${pq.param(auditId)} AND it.is_gold = 0 AND it.stratum IS NOT NULL
			 GROUP BY it.stratum`
		)
		.all(pq.params)
		.sort((a, b) => compareVerdictStrata(a.stratum, b.stratum));
}

/** The stratum of rows no filter run judged (seed tasks, rows added since): no verdict stratum holds them. */
const UNJUDGED_STRATUM = 'unjudged';

/**
 * The strata a stratum-weighted estimate of the population weights, each with the final labels
 * (adjudicated, else majority) of its audited items in the population.
 *
 * While every row is in the verdict stratum it was in when the sample was drawn, these are the
 * population's rows by stratum (counted). Once the filters have moved rows between strata, an item
 * no longer stands for the rows of the stratum its row is in now: the sample drew it at its drawn
 * stratum's rate (4 of 5 rejected rows beside 10 of 5,001 kept ones), and pooling it with the
 * stratum it moved to gives it that stratum's weight. The strata are then the audit's strata as
 * drawn, each with its items now in the population and the rows of the population estimated from
 * them (N_h · n_hP / n_h, the domain estimate of a stratified sample): the sample's own design.
 * Over the audit's whole frame that is each stratum's rows as drawn.
 */
function verdictStrataFigures(client: Database.Database, selection: ExportSelection, audits: readonly AuditSummary[], scope: AuditScope): VerdictStratumFigure[] {
	const drawn = audits.length === 1 ? movedVerdictStrata(client, selection.datasetId, audits[0].id) : null;
	return drawn ? verdictStrataAsDrawn(client, selection, audits[0].id, drawn, scope) : verdictStrataNow(client, selection, audits, scope);
}

/** A verdict-stratified audit's strata as drawn (those given a size), with their rows then. */
function drawnVerdictStrata(client: Database.Database, auditId: number): { key: string; population: number; size: number }[] | null {
	const json = client.prepare<[number], string | null>("SELECT strata FROM audits WHERE id = ? AND stratify = 'verdict'").pluck().get(auditId);
	if (!json) return null;
	return (JSON.parse(json) as { key: string; population: number; size: number }[]).filter((h) => h.size > 0 && h.population > 0);
}

/**
 * The dataset's rows within an audit's sampling frame by their verdict stratum now (rows no filter
 * judged in a stratum of their own): what the strata as drawn are compared with.
 */
export function auditVerdictStrataNow(client: Database.Database, datasetId: number, auditId: number): StratumRows[] {
	const frame = selectionQuery({ datasetId, filters: {} });
	const q = frame.q;
	return client
		.prepare<[unknown], { stratum: string; rows: number }>(
			`${q.withClause()}SELECT coalesce(${VERDICT_STRATUM_SQL}, '${UNJUDGED_STRATUM}') AS stratum, count(*) AS rows
			 FROM ${frame.from} WHERE ${q.whereClause()} AND ${inSamplingFrameSql(q, [{ id: auditId } as AuditSummary])}
			 GROUP BY 1`
		)
		.all(q.params)
		.sort((a, b) => (a.stratum === UNJUDGED_STRATUM ? 1 : b.stratum === UNJUDGED_STRATUM ? -1 : compareVerdictStrata(a.stratum, b.stratum)))
		.map((r) => ({ stratum: r.stratum, label: verdictStratumFigureLabel(r.stratum), rows: r.rows }));
}

/** The audit's strata as drawn when rows changed verdict stratum since (the filters applied again); null while none did. */
function movedVerdictStrata(client: Database.Database, datasetId: number, auditId: number): { key: string; population: number; size: number }[] | null {
	const drawn = drawnVerdictStrata(client, auditId);
	if (!drawn?.length) return null;
	const shift = stratumShift(
		drawn.map((h) => ({ key: h.key, label: verdictStratumLabel(h.key), population: h.population })),
		auditVerdictStrataNow(client, datasetId, auditId)
	);
	return shift ? drawn : null;
}

function verdictStratumFigureLabel(stratum: string): string {
	return stratum === UNJUDGED_STRATUM ? 'Not judged by the filters' : verdictStratumLabel(stratum);
}

/** Per-stratum figures from its counts (rows, items with a final label or a tie, and how those split). */
function stratumFigure(stratum: string, rows: number, decided: number, successes: number, ties: number): VerdictStratumFigure {
	const items = decided + ties;
	const low = wilsonInterval(successes, items, { confidence: DEFAULT_CONFIDENCE });
	const high = wilsonInterval(successes + ties, items, { confidence: DEFAULT_CONFIDENCE });
	return {
		stratum,
		label: verdictStratumFigureLabel(stratum),
		rows,
		items,
		successes,
		ties,
		rate: items && !ties ? successes / items : null,
		low: items ? successes / items : null,
		high: items ? (successes + ties) / items : null,
		lower: items ? low.lower : 0,
		upper: items ? high.upper : 1
	};
}

/**
 * The audit's strata as drawn, each with its (not gold) items now in the population and the
 * population's rows in it estimated from them: N_h · n_hP / n_h (see verdictStrataFigures).
 */
function verdictStrataAsDrawn(
	client: Database.Database,
	selection: ExportSelection,
	auditId: number,
	drawn: readonly { key: string; population: number }[],
	scope: AuditScope
): VerdictStratumFigure[] {
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	const finalName = withQualityFinal(pq, scope);
	const decided = QUALITY_DECIDED.replaceAll('qf.', 'lf.');
	const correct = QUALITY_ALL_YES.replaceAll('qf.', 'lf.');
	const inPopulation = `it.instance_id IN (SELECT i.id FROM ${population.from} WHERE ${pq.whereClause()})`;
	const counts = new Map(
		client
			.prepare<[unknown], { stratum: string; drawn: number; inPopulation: number; decided: number; successes: number; ties: number }>(
				`${pq.withClause()}SELECT it.stratum AS stratum, count(*) AS drawn,
					sum(CASE WHEN ${inPopulation} THEN 1 ELSE 0 END) AS inPopulation,
					sum(CASE WHEN lf.instance_id IS NOT NULL AND ${decided} AND ${inPopulation} THEN 1 ELSE 0 END) AS decided,
					sum(CASE WHEN lf.instance_id IS NOT NULL AND ${decided} AND ${correct} AND ${inPopulation} THEN 1 ELSE 0 END) AS successes,
					sum(CASE WHEN lf.instance_id IS NOT NULL AND NOT (${decided}) AND ${inPopulation} THEN 1 ELSE 0 END) AS ties
				 FROM audit_items it LEFT JOIN ${finalName} lf ON lf.instance_id = it.instance_id
				 WHERE it.audit_id = ${pq.param(auditId)} AND it.is_gold = 0 AND it.stratum IS NOT NULL
				 GROUP BY it.stratum`
			)
			.all(pq.params)
			.map((r) => [r.stratum, r] as const)
	);
	return [...drawn]
		.sort((a, b) => compareVerdictStrata(a.key, b.key))
		.map((h) => {
			const c = counts.get(h.key);
			const n = c?.drawn ?? 0;
			const inGroup = c?.inPopulation ?? 0;
			const rows = n ? (h.population * inGroup) / n : 0;
			return { ...stratumFigure(h.key, rows, c?.decided ?? 0, c?.successes ?? 0, c?.ties ?? 0), estimatedFrom: { stratumRows: h.population, drawn: n, inGroup } };
		});
}

/**
 * The population's rows within the audits' sampling frame by their verdict stratum now, each with
 * the final labels of the audited items among them: an item counts in the stratum its row is in now.
 */
function verdictStrataNow(client: Database.Database, selection: ExportSelection, audits: readonly AuditSummary[], scope: AuditScope): VerdictStratumFigure[] {
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	const finalName = withQualityFinal(pq, scope);
	const decided = QUALITY_DECIDED.replaceAll('qf.', 'lf.');
	const correct = QUALITY_ALL_YES.replaceAll('qf.', 'lf.');
	const rows = client
		.prepare<[unknown], { stratum: string; rows: number; decided: number; successes: number; ties: number }>(
			`${pq.withClause()}SELECT coalesce(${VERDICT_STRATUM_SQL}, '${UNJUDGED_STRATUM}') AS stratum, count(*) AS rows,
				sum(CASE WHEN lf.instance_id IS NOT NULL AND ${decided} THEN 1 ELSE 0 END) AS decided,
				sum(CASE WHEN lf.instance_id IS NOT NULL AND ${decided} AND ${correct} THEN 1 ELSE 0 END) AS successes,
				sum(CASE WHEN lf.instance_id IS NOT NULL AND NOT (${decided}) THEN 1 ELSE 0 END) AS ties
			 FROM ${population.from} LEFT JOIN ${finalName} lf ON lf.instance_id = i.id
			 WHERE ${pq.whereClause()} AND ${inSamplingFrameSql(pq, audits)}
			 GROUP BY 1`
		)
		.all(pq.params);
	return rows
		.sort((a, b) => (a.stratum === UNJUDGED_STRATUM ? 1 : b.stratum === UNJUDGED_STRATUM ? -1 : compareVerdictStrata(a.stratum, b.stratum)))
		.map((r) => stratumFigure(r.stratum, r.rows, r.decided, r.successes, r.ties));
}

/** Why the strata are as drawn and their rows estimated, in the estimate's method (rows moved between strata since the draw). */
const MOVED_STRATA_METHOD =
	"the filters moved rows between strata after the sample was drawn, so each item stands for the stratum it was drawn from, and each stratum's rows in this population are estimated from its drawn items (its rows when drawn × the share of its drawn items in this population)";

/**
 * The population's estimate weighted by verdict stratum, when a verdict-stratified audit is in
 * scope and the population spans several strata: such an audit samples its strata at different
 * rates (all 5 rejected rows beside 10 of 5,001 kept ones), so pooling its items without weights
 * leans toward the strata drawn more heavily. Each stratum's item majority is weighted by its rows
 * ($lib/stats stratifiedBounds: Cochran's stratified estimator, as the filter report weighs them);
 * null when no such audit is in scope or the population holds one stratum (its items are then a
 * simple random sample of it, and the pooled estimate is that stratum's).
 */
function verdictWeightedEstimate(
	client: Database.Database,
	selection: ExportSelection,
	audits: readonly AuditSummary[],
	scope: AuditScope,
	pooled: QualityEstimate['population']
): QualityEstimate['population'] | null {
	if (!audits.some((a) => a.stratify === 'verdict')) return null;
	const strata = verdictStrataFigures(client, selection, audits, scope);
	if (strata.filter((h) => h.rows > 0).length < 2) return null;
	const b = stratifiedBounds(
		strata.map((h) => ({ population: h.rows, trials: h.items, successes: h.successes, ties: h.ties })),
		{ confidence: DEFAULT_CONFIDENCE }
	);
	if (!b) return null;
	const items = strata.reduce((n, h) => n + h.items, 0);
	const ties = strata.reduce((n, h) => n + h.ties, 0);
	const unknown = strata.filter((h) => h.rows > 0 && h.items === 0);
	return {
		description: pooled.description,
		estimator: 'majority',
		estimatorName: `${ESTIMATOR_LABELS.majority}, weighted by verdict stratum`,
		fallback:
			pooled.estimator === 'majority'
				? null
				: `the population spans verdict strata an audit sampled at different rates, and ${inSentence(ESTIMATOR_LABELS[pooled.estimator])} pools items without weights`,
		items,
		unit: 'items',
		trials: items,
		successes: strata.reduce((n, h) => n + h.successes, 0),
		ties,
		rate: b.rate,
		low: b.low,
		high: b.high,
		lower: b.lower,
		upper: b.upper,
		confidence: DEFAULT_CONFIDENCE,
		method:
			`stratified by the rows' filter verdict (${strata.map((h) => `${h.label}: ${stratumRowsText(h)}, ${h.items} item${h.items === 1 ? '' : 's'}`).join('; ')}): ` +
			'each stratum\'s rate is its items\' final label (adjudicated, else majority), weighted by its share of the rows (Σ W_h p_h, W_h = N_h/ΣN); ' +
			'interval: variance Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/n_h and a Wilson interval on the effective sample size' +
			(ties ? '; tied items counted as no for the lower figure and yes for the upper' : '') +
			(unknown.length ? `; ${unknown.map((h) => `"${h.label}"`).join(', ')} ${unknown.length === 1 ? 'has' : 'have'} no audited item, so ${unknown.length === 1 ? 'its rows count' : 'their rows count'} as not correct for the lower figures and correct for the upper` : '') +
			(strata.some((h) => h.estimatedFrom) ? `; ${MOVED_STRATA_METHOD}` : ''),
		strata
	};
}

/**
 * A verdict-stratified audit's "all fields valid" rate weighted by the strata's sizes, over its
 * population (the dataset's rows in its sampling frame): the figure an export of the audit's
 * population gives (verdictWeightedEstimate), for the methods paragraph. Null for any other audit,
 * or when its population holds one stratum.
 */
export function auditVerdictWeighted(client: Database.Database, datasetId: number, auditId: number): VerdictWeightedFacts | null {
	const audits = auditsInScope(client, { datasetId, filters: { audits: [auditId] } }, 'quality');
	if (audits.length !== 1 || audits[0].stratify !== 'verdict') return null;
	const selection = withReviewersNotCounted<ExportSelection>({ datasetId, filters: { audits: [auditId] } }, client);
	const strata = verdictStrataFigures(client, selection, audits, labelScope(selection));
	if (strata.filter((h) => h.rows > 0).length < 2) return null;
	const b = stratifiedBounds(
		strata.map((h) => ({ population: h.rows, trials: h.items, successes: h.successes, ties: h.ties })),
		{ confidence: DEFAULT_CONFIDENCE }
	);
	if (!b) return null;
	return {
		strata: strata.filter((h) => h.rows > 0).map((h) => ({ stratum: h.stratum, label: h.label, rows: h.rows, items: h.items, ...(h.estimatedFrom ? { estimatedFrom: h.estimatedFrom } : {}) })),
		rate: b.rate,
		low: b.low,
		high: b.high,
		lower: b.lower,
		upper: b.upper
	};
}

/** The population's instances (or, with `r.id`, model responses) an export's estimate is computed over. */
function populationMembers(client: Database.Database, population: ReturnType<typeof selectionQuery>, member: 'i.id' | 'r.id' = 'i.id'): number[] {
	const pq = population.q;
	return client
		.prepare<[unknown], [number]>(`${pq.withClause()}SELECT ${member} FROM ${population.from} WHERE ${pq.whereClause()}`)
		.raw()
		.all(pq.params)
		.map((r) => r[0]);
}

/** A connection as the loaders take it: they read through $client only (the export's read snapshot serves them). */
function readOnly(client: Database.Database): Db {
	return { $client: client } as unknown as Db;
}

/**
 * The "all fields valid" estimate of a selection's population, in the report thread (a
 * latent-class bootstrap: minutes on large audits; other requests are not held up meanwhile).
 * Results are kept per dataset (../reports/latent), so an unchanged population's estimate is read
 * back. With `backgroundAbove` (the export page), a large fit not kept yet comes back pending and
 * is queued for the background thread; `pending` then says so.
 */
async function allValidOffThread(
	client: Database.Database,
	selection: ExportSelection,
	audits: AuditSummary[],
	database: Db,
	backgroundAbove?: number
): Promise<{ estimate: AllValidEstimate; pending: boolean }> {
	const instanceIds = populationMembers(client, selectionQuery(selection, withoutHumanLabels(selection.filters)));
	const auditIds = audits.map((a) => a.id);
	const owner = { dataset: selection.datasetId };
	const memo = newLatentMemo(keptLatent(owner, database), backgroundAbove);
	const estimate = await allValidEstimateOffThread(client, database, auditIds, instanceIds, { latent: memo });
	keepLatent(owner, memo.computed, database);
	const pending = memo.deferred.length > 0;
	if (pending) {
		// The background thread reads the audits as they are when it starts.
		const background = (latent: LatentMemo) => allValidEstimateOffThread(client, database, auditIds, instanceIds, { latent }, 'background');
		computeLatentLater(owner, background, { fits: memo.deferred.length }, database);
	}
	return { estimate, pending };
}

/**
 * estimateQuality with the population's "all fields valid" estimate from allValidOffThread. Over
 * the app's own connection (the export page's live estimate) its queries run in the report thread
 * too: the exported rows' final labels take 0.25 s at 100,000 labels. A download's read snapshot
 * is read here, so that the estimate is of the rows written.
 */
async function qualityOffThread(
	client: Database.Database,
	selection: ExportSelection,
	database: Db,
	backgroundAbove?: number
): Promise<{ quality: QualityEstimate | null; pending: boolean }> {
	selection = withReviewersNotCounted(selection, client);
	const queried = (computed?: QualityComputed): Promise<QualityEstimate | null> =>
		client === database.$client
			? serverTask(database, (source) => ({ kind: 'exportQuality', selection, computed, source, options: {} }), () => estimateQuality(client, selection, computed))
			: Promise.resolve(estimateQuality(client, selection, computed));
	if (selection.responsesOf) return { quality: await queried(), pending: false }; // ratings: the report's shares, no latent-truth fit to wait for
	const audits = auditsInScope(client, selection, 'quality');
	if (audits.length === 0) return { quality: null, pending: false };
	const { estimate, pending } = await allValidOffThread(client, selection, audits, database, backgroundAbove);
	return { quality: await queried({ audits, allValid: estimate }), pending };
}

/**
 * estimateQuality for the server's downloads: the latent-class estimate computed in the report
 * thread (or read back when kept), so that other requests are not held up meanwhile. `client`
 * may be a read snapshot; results are kept through `database`.
 */
export async function estimateQualityOffThread(client: Database.Database, selection: ExportSelection, database: Db = db()): Promise<QualityEstimate | null> {
	return (await qualityOffThread(client, selection, database)).quality;
}

/** The export page's estimate, and the background computation its latent-truth figure waits for. */
export interface LiveQualityEstimate {
	quality: QualityEstimate | null;
	/** Why there is no estimate when rating audits are in scope but rate other models (noEstimateNote). */
	note: string | null;
	/** Set while the population's latent-truth fit is computed in the background (the estimate shows the item-majority bounds meanwhile). */
	latent: LatentProgress | null;
}

/**
 * The export page's live estimate: as a download's, except that a latent-truth fit over more
 * than LATENT_BACKGROUND_ANSWERS answers not kept yet is left to the background thread (minutes
 * at 100,000 labels), so that the page's count answers at once.
 */
export async function liveQualityEstimate(selection: ExportSelection, database: Db = db(), backgroundAbove = LATENT_BACKGROUND_ANSWERS): Promise<LiveQualityEstimate> {
	const { quality, pending } = await qualityOffThread(database.$client, selection, database, backgroundAbove);
	// The dataset's job: this selection's, or an earlier selection's still running (this one is queued when the page counts again after it).
	return { quality, note: noEstimateNote(database.$client, selection, quality), latent: pending ? latentProgress({ dataset: selection.datasetId }) : null };
}

/**
 * The estimate for a selection, or null when no audit has labelled any item of its population.
 * `computed`: the audits in scope and the population's "all fields valid" estimate when the caller
 * has them already (estimateQualityOffThread); otherwise found here, reading the dataset's kept
 * latent-truth results and keeping new ones through `keepIn` when given.
 */
/** What estimateQuality is given when its caller has computed it already. */
export type QualityComputed = { audits: AuditSummary[]; allValid: AllValidEstimate };

export function estimateQuality(
	client: Database.Database = db().$client,
	selection: ExportSelection,
	computed?: QualityComputed,
	keepIn?: Db
): QualityEstimate | null {
	selection = withReviewersNotCounted(selection, client);
	const responses = !!selection.responsesOf;
	const kind = responses ? 'rating' : 'quality';
	const audits = computed?.audits ?? auditsInScope(client, selection, kind);
	if (audits.length === 0) return null;
	const scope = labelScope(selection);

	// The population: the selection without its human-label filters.
	const population = selectionQuery(selection, withoutHumanLabels(selection.filters));
	const pq = population.q;
	const key = responses ? 'response_id' : 'instance_id';
	const member = responses ? 'r.id' : 'i.id';
	// Rated responses: "A or B" decided on that measure (rating_final.a_or_b), not on the A–D letter.
	const correct = responses ? 'lf.a_or_b = 1' : QUALITY_ALL_YES.replaceAll('qf.', 'lf.');
	const decided = responses ? 'lf.a_or_b IS NOT NULL' : QUALITY_DECIDED.replaceAll('qf.', 'lf.');
	let estimate: QualityEstimate['population'];
	/** A label-level headline: the item majority beside it, which counts the adjudications it leaves out. */
	let labelLevel: { adjudicated: number; majority: Pick<RateRange, 'low' | 'high'> & { lower: number; upper: number } } | null = null;
	if (responses) {
		// The audit report's own figure for this model (label level, each response shared among its ratings), over the population's responses.
		const inputs = audits.map((a) => loadReportInput(a.id, readOnly(client)));
		const row = ratedAOrBOfResponses(inputs, selection.responsesOf!, new Set(populationMembers(client, population, 'r.id')), DEFAULT_CONFIDENCE);
		if (!row) return null;
		const e = row.aOrB;
		estimate = {
			description: 'the rows this export selects before its human-label filters',
			estimator: 'label',
			estimatorName: RATED_SHARES_NAME,
			fallback: null,
			items: row.n,
			unit: 'items',
			trials: row.n,
			successes: e.successes,
			ties: 0,
			rate: e.proportion,
			low: e.proportion,
			high: e.proportion,
			lower: e.lower,
			upper: e.upper,
			confidence: DEFAULT_CONFIDENCE,
			method:
				"as the audit's report gives it: each rated response counts once, shared evenly among its reviewers' A–D ratings (rated A and C: half A or B; a researcher's adjudicated rating counts alone), " +
				'so a response whose reviewers disagree is not left out; Wilson interval at the effective sample size, clustered by response'
		};
	} else {
		let e = computed?.allValid;
		if (!e) {
			const instanceIds = populationMembers(client, population);
			const inputs = audits.map((a) => loadReportInput(a.id, readOnly(client)));
			const owner = { dataset: selection.datasetId };
			const memo = newLatentMemo(keptLatent(owner, keepIn ?? readOnly(client)));
			e = allValidEstimateOfInstances(inputs, instanceIds, { latent: memo });
			if (keepIn) keepLatent(owner, memo.computed, keepIn);
		}
		if (e.items === 0 && e.label.labels === 0) return null;
		const h = e.headline;
		estimate = {
			description: 'the rows this export selects before its human-label filters',
			estimator: h.estimator,
			estimatorName: ESTIMATOR_LABELS[h.estimator],
			fallback: h.fallback,
			items: h.n,
			// The counts of the estimator whose rate this is (a label-level rate is yes labels over labels, not majority items).
			...(h.estimator === 'label'
				? { unit: 'labels' as const, trials: e.label.labels, successes: e.label.yes, ties: 0 }
				: h.estimator === 'majority'
					? { unit: 'items' as const, trials: e.majority.n, successes: e.majority.yes, ties: e.majority.ties }
					: { unit: 'items' as const, trials: h.n, successes: null, ties: null }),
			rate: h.proportion,
			low: h.low,
			high: h.high,
			lower: h.lower,
			upper: h.upper,
			confidence: DEFAULT_CONFIDENCE,
			method:
				h.estimator === 'latent'
					? `Dawid–Skene latent truth over ${e.latent.n} audited items, ${e.latent.replicates}-replicate seeded bootstrap percentile interval`
					: h.estimator === 'label'
						? `label level, ${LABEL_LEVEL_READING}; ratio-estimator interval clustered by item (Wilson at the effective size)`
						: 'each item\'s final label (adjudicated, else majority); tied items counted as no for the lower figure and yes for the upper, each with its Wilson score interval'
		};
		if (h.estimator === 'label')
			labelLevel = {
				adjudicated: e.majority.adjudicated,
				majority: { low: e.majority.low.proportion, high: e.majority.high.proportion, lower: e.majority.low.lower, upper: e.majority.high.upper }
			};
		estimate = verdictWeightedEstimate(client, selection, audits, scope, estimate) ?? estimate;
	}

	// Rows no audit could have drawn: the estimate is not about them.
	const outsideFrame = outsideSamplingFrame(client, selectionQuery(selection), audits, responses);
	const populationOutside = !usesHumanLabels(selection.filters)
		? outsideFrame
		: outsideSamplingFrame(client, selectionQuery(selection, withoutHumanLabels(selection.filters)), audits, responses);
	if (populationOutside.rows) estimate.description += `, except the ${outsideFrameText(populationOutside)} outside the audit${audits.length === 1 ? '\'s' : 's\''} sampling frame`;

	// The exported rows, by what their final label says.
	const exported = selectionQuery(selection);
	const eq = exported.q;
	const exportedFinal = responses ? withRatingFinal(eq, scope) : withQualityFinal(eq, scope);
	const auditList = eq.list(audits.map((a) => a.id));
	const sampled = responses
		? `SELECT ir.response_id FROM audit_item_responses ir JOIN audit_items it ON it.id = ir.item_id WHERE it.audit_id IN (${auditList}) AND it.is_gold = 0`
		: `SELECT it.instance_id FROM audit_items it WHERE it.audit_id IN (${auditList}) AND it.is_gold = 0`;
	const split = client
		.prepare<[unknown], { n: number; good: number | null; bad: number | null; tied: number | null; sampledNotLabelled: number | null }>(
			`${eq.withClause()}SELECT count(*) AS n,
				sum(CASE WHEN lf.${key} IS NOT NULL AND ${decided} AND ${correct} THEN 1 ELSE 0 END) AS good,
				sum(CASE WHEN lf.${key} IS NOT NULL AND ${decided} AND NOT (${correct}) THEN 1 ELSE 0 END) AS bad,
				sum(CASE WHEN lf.${key} IS NOT NULL AND NOT (${decided}) THEN 1 ELSE 0 END) AS tied,
				sum(CASE WHEN lf.${key} IS NULL AND ${member} IN (${sampled}) THEN 1 ELSE 0 END) AS sampledNotLabelled
			 FROM ${exported.from} LEFT JOIN ${exportedFinal} lf ON lf.${key} = ${member}
			 WHERE ${eq.whereClause()}`
		)
		.get(eq.params)!;
	const good = split.good ?? 0;
	const bad = split.bad ?? 0;
	const tied = split.tied ?? 0;
	const unlabelled = split.n - good - bad - tied;

	// Rows outside every frame have no label (a labelled row was drawn), so they are among the unlabelled.
	const exportedFigures = fileFigures(estimate, { rows: split.n, good, tied, unlabelled, outside: outsideFrame }, usesHumanLabels(selection.filters));
	const caveats: string[] = [];
	if (outsideFrame.rows) {
		const names = audits.map((a) => `"${a.name}"`).join(', ');
		const why = [
			audits.some((a) => a.stratify === 'verdict')
				? 'a verdict-stratified audit draws only from the strata it gave a size, of rows the automatic filters judged: seed tasks (and rows no filter run has seen) are in none of them' : '',
			audits.some((a) => a.stratify !== 'verdict') ? 'rows added to the dataset after an audit was drawn are not in its frame' : '',
			responses ? "a rating audit rates the first response of each of its models to a row: other models' responses, and a model's later ones, are not in its frame" : ''
		].filter(Boolean);
		caveats.push(
			`${outsideFrameText(outsideFrame)} of this file ${outsideFrame.rows === 1 ? 'lies' : 'lie'} outside the sampling frame of ${audits.length === 1 ? `audit ${names}` : `audits ${names}`}: no audit could have drawn ${outsideFrame.rows === 1 ? 'it' : 'them'} (${why.join('; ')}). ` +
				`The estimate says nothing about ${outsideFrame.rows === 1 ? 'it' : 'them'}: this file's figures count ${outsideFrame.rows === 1 ? 'it' : 'them'} as not correct for the lower figures and correct for the upper.`
		);
	}
	if (estimate.fallback) caveats.push(`Estimated by ${inSentence(estimate.estimatorName)}: ${estimate.fallback}`);
	if (estimate.unit === 'labels' && labelLevel) caveats.push(labelLevelCaveat(estimate, labelLevel));
	if (estimate.items < 30) caveats.push(`Only ${estimate.items} audited item${estimate.items === 1 ? '' : 's'} of this population: the interval is wide.`);
	if (estimate.ties !== null && estimate.ties > 0 && estimate.rate === null) {
		caveats.push(`${estimate.ties} audited item${estimate.ties === 1 ? '' : 's'} with tied reviewers count both ways: the rate lies between the two figures.`);
	}
	const instances = (rows: readonly { instanceId: number }[]) =>
		`instance${rows.length === 1 ? '' : 's'} ${rows.slice(0, 5).map((r) => r.instanceId).join(', ')}${rows.length > 5 ? ', …' : ''}`;
	const items = (n: number) => `${n} audited item${n === 1 ? '' : 's'}`;
	const rest = `the estimate rests on the other ${items(estimate.items)}.`;
	// A population spanning several verdict strata is weighted by stratum (verdictWeightedEstimate); classification strata are still pooled.
	const pooled = audits.some((a) => a.stratify === 'classification');
	for (const a of audits.filter((a) => a.stratify === 'verdict')) {
		const strata = verdictStrataInPopulation(client, selection, a.id);
		const held = strata.filter((s) => s.inPopulation > 0);
		const others = strata.filter((s) => s.inPopulation === 0);
		if (held.length === 1 && others.length) {
			const drawn = others.reduce((n, s) => n + s.drawn, 0);
			const stratumSample = `that stratum's simple random sample of ${held[0].inPopulation} row${held[0].inPopulation === 1 ? '' : 's'}`;
			// Other audits' items count too: the estimate is not this stratum's sample alone.
			const alongside = audits.filter((b) => b.id !== a.id && auditHasLabels(client, b.id));
			const estimateIs = alongside.length
				? `the estimate pools ${stratumSample} with the items of ${alongside.length === 1 ? 'audit' : 'audits'} ${alongside.map((b) => `"${b.name}"`).join(', ')} in this population (${items(estimate.items)} in all)`
				: `the estimate is ${stratumSample}`;
			caveats.push(
				`Audit "${a.name}" is stratified by filter verdict and this export holds one of its strata ("${verdictStratumLabel(held[0].stratum)}"): ${estimateIs}; ` +
					`the ${drawn} item${drawn === 1 ? '' : 's'} drawn from its other strata (${others.map((s) => `"${verdictStratumLabel(s.stratum)}", ${s.drawn}`).join('; ')}) ${drawn === 1 ? 'is' : 'are'} outside this population by design.`
			);
		}
	}
	if (pooled) caveats.push('A stratified audit samples its strata at different rates; this estimate pools its items without weights.');
	// Worded from the audits' own items: a filter run after an audit was drawn may reject items it sampled.
	const nowRejected = auditedNowRejected(client, selection, audits);
	const outside = nowRejected.filter((r) => !r.inPopulation);
	const changed = outside.filter((r) => !r.drawnRejected);
	if (changed.length) {
		caveats.push(
			`${items(changed.length)} ${changed.length === 1 ? 'is' : 'are'} now rejected by the automatic filters (${instances(changed)}: a filter run after the audit was drawn) and so outside this population; ${rest}`
		);
	}
	// Rejected rows an unstratified audit drew on purpose (it samples rejected rows too); the verdict strata are worded above.
	const drawnRejected = outside.filter((r) => r.drawnRejected && !r.stratified);
	if (drawnRejected.length) {
		caveats.push(
			`${items(drawnRejected.length)} (${instances(drawnRejected)}) ${drawnRejected.length === 1 ? 'was a row' : 'were rows'} the automatic filters rejected when the audit drew ${drawnRejected.length === 1 ? 'it' : 'them'} (the audit samples rejected rows too) and so outside this population; ${rest}`
		);
	}
	// Audits with no label yet contribute nothing, and are not named (the card leaves them out too).
	const skipping = audits.filter((a) => !a.includeRejected && auditHasLabels(client, a.id));
	if (selection.filters.kept !== 'yes' && skipping.length && hasRejectedRows(client, selection)) {
		// Only these audits' own items rejected since they were drawn: another audit in scope may draw rejected rows on purpose (a verdict stratum, or one sampling rejected rows too).
		const inside = auditedNowRejected(client, selection, skipping).filter((r) => r.inPopulation);
		const sampling = audits.filter((a) => a.includeRejected && auditHasLabels(client, a.id));
		const names = skipping.map((a) => `"${a.name}"`).join(', ');
		const their = skipping.length === 1 ? 'its' : 'their';
		caveats.push(
			`The population includes rows the automatic filters reject. ${skipping.length === 1 ? `Audit ${names} was` : `Audits ${names} were`} drawn from the rows not rejected at the time` +
				(inside.length
					? `; ${inside.length} of ${their} audited items (${instances(inside)}) ${inside.length === 1 ? 'has' : 'have'} been rejected since`
					: `, and none of ${their} audited items is rejected now`) +
				(sampling.length
					? `; ${sampling.length === 1 ? `audit ${sampling.map((a) => `"${a.name}"`).join(', ')} samples` : `audits ${sampling.map((a) => `"${a.name}"`).join(', ')} sample`} rejected rows too.`
					: inside.length
						? ', the only rejected rows in the sample.'
						: ': the rejected rows are not represented in the sample.')
		);
	}
	return {
		measure: responses ? 'rated A or B' : 'all fields valid',
		audits,
		population: estimate,
		exported: {
			rows: split.n,
			labelledCorrect: good,
			labelledIncorrect: bad,
			tied,
			unlabelled,
			sampledNotLabelled: split.sampledNotLabelled ?? 0,
			...exportedFigures,
			outsideFrame
		},
		caveats
	};
}

type FileFigures = Pick<QualityEstimate['exported'], 'rate' | 'low' | 'high' | 'lower' | 'upper' | 'basis' | 'method'>;

/**
 * The exported file's figures. Without a human-label filter the file is the population, so it
 * gets the population's figures — not a mix of the audited rows' majority and the rest at the
 * estimator's rate, which for latent truth differs from it — unless every row is labelled: then,
 * with or without filters, the labels are the figure (no interval is estimated). Otherwise labelled rows count as their label says
 * and the rest at the population's rate and bounds; tied rows count as no for the lower figures
 * and yes for the upper (so a tie is not counted at the rate twice), and at the rate for the point.
 */
export function fileFigures(
	population: Pick<QualityEstimate['population'], 'rate' | 'low' | 'high' | 'lower' | 'upper' | 'estimatorName' | 'estimator'> & { unit?: QualityEstimate['population']['unit'] },
	rows: { rows: number; good: number; tied: number; unlabelled: number; outside?: OutsideFrame },
	humanLabelFilters: boolean
): FileFigures {
	const { rows: n, good, tied, unlabelled } = rows;
	// Unlabelled rows outside every audit's sampling frame: unknown, as no for the lower figures and yes for the upper.
	const outside = Math.min(rows.outside?.rows ?? 0, unlabelled);
	// A label-level rate is a share of labels, not of rows: said wherever the file carries it.
	const name = population.unit === 'labels' ? `${inSentence(population.estimatorName)} (a share of the reviewers' labels saying yes, not of correct rows)` : inSentence(population.estimatorName);
	const rowsText = (k: number) => `${k} row${k === 1 ? '' : 's'}`;
	if (n === 0) return { rate: null, low: null, high: null, lower: null, upper: null, basis: 'labels', method: 'no rows' };
	if (unlabelled === 0) {
		const low = good / n;
		const high = (good + tied) / n;
		return {
			rate: tied ? null : low,
			low,
			high,
			lower: null,
			upper: null,
			basis: 'labels',
			method: tied
				? `every row has a final human label and counts as it says, or its reviewers tied (no final label: the ${rowsText(tied)} count as no for the lower figure, yes for the upper); no interval is estimated`
				: 'every row has a final human label and counts as it says; no interval is estimated'
		};
	}
	const outsideText = outside
		? `; the ${outsideFrameText({ ...rows.outside!, rows: outside })} outside the audits' sampling frame (no audit could draw ${outside === 1 ? 'it' : 'them'}) have no estimate and count as no for the lower figures, yes for the upper`
		: '';
	if (!humanLabelFilters && !outside) {
		const { rate, low, high, lower, upper } = population;
		return { rate, low, high, lower, upper, basis: 'population', method: `the file is the audited population (no human-label filter): its ${name} figures` };
	}
	if (!humanLabelFilters) {
		// The rows the audits could draw are the audited population and carry its figures; the others are unknown.
		const inFrame = n - outside;
		const share = (p: number | null, unknown: number) => (p === null ? null : (inFrame * p + unknown) / n);
		return {
			rate: null,
			low: share(population.low, 0),
			high: share(population.high, outside),
			lower: share(population.lower, 0),
			upper: share(population.upper, outside),
			basis: 'frame',
			method: `the ${rowsText(inFrame)} the audits could draw are the audited population (no human-label filter) and carry its ${name} figures${outsideText}`
		};
	}
	const atRate = unlabelled - outside;
	const mix = (labelledTied: number, p: number | null, unknown: number) => (p === null ? null : (good + labelledTied + atRate * p + unknown) / n);
	return {
		rate: population.rate === null || outside ? null : (good + (tied + unlabelled) * population.rate) / n,
		low: mix(0, population.low, 0),
		high: mix(tied, population.high, outside),
		lower: mix(0, population.lower, 0),
		upper: mix(tied, population.upper, outside),
		basis: 'mixed',
		method:
			// A tie is no final label (human-labels.ts): the labelled rows here are the card's and the filters' labelled rows.
			`the ${rowsText(n - unlabelled - tied)} with a final human label count as it says${tied ? `, the ${rowsText(tied)} whose reviewers tied (no final label) as no for the lower figure and yes for the upper` : ''}` +
			`, the ${atRate} without one at the population's rate (${name}${population.estimator === 'majority' ? '' : ': the file mixes labels with that estimator\'s rate'})${outsideText}`
	};
}
