/**
 * What a model judge says about an export, beside what the humans say (quality.ts):
 *
 * - `judgeEstimate`: the whole-dataset correctness rate by prediction-powered inference (PPI++,
 *   Angelopoulos et al. 2023) from a judge run that covers every row the audit sampled from and
 *   an audit it is calibrated against — the same figure the report shows
 *   ($lib/server/judge/calibration), carried into the manifest with the run's provenance.
 * - `judgePrecision`: for an export filtered on "judge says all valid", how often the humans
 *   agreed on the audited rows the judge called valid — P(human yes | judge yes) with its Wilson
 *   interval — i.e. the expected share of correct rows among those the filter keeps.
 *
 * A judge run is "calibrated" against an audit of the same dataset (quality kind) when the run
 * has a verdict on at least one audited item. The run is the export's `judge-run` filter, or
 * else the newest judge run of the dataset with a complete estimate; the audit is the newest
 * one that gives an estimate (restricted to the export's `audit` filter when given) among those
 * whose reviewers did not see this run's answers pre-filled — an anchored audit is used only
 * when no other is calibrated, and then `anchoredNote` says so wherever the audit is named.
 */
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';
import { judgeAuditCalibration, type JudgeAuditCalibration } from '../judge/calibration';
import { countSelection, selectionQuery, type ExportSelection } from './query';
import { ExportFilterError, withoutHumanLabels, type ExportFilters } from './filters';
import { keptWhileUnchanged } from '../db/unchanged';
import { readJudgeParams } from '../runs/judge/params';
import { headlineFallback, humanBounded, judgeAddsNothingText, ppiBounded, tieBounds, type Bounded } from '$lib/judge/wording';
import { wilsonInterval } from '$lib/stats/proportion';
import type { RateRange } from '$lib/stats/rate-range';
import type { FilterPrecisionFigures } from '$lib/judge/filter-precision';

export interface ExportJudgeRun {
	id: number;
	name: string;
	model: string;
	/** The run's status (completed, or another when the export names the run: e.g. failed, paused). */
	status: string;
	/** The judge prompt template's fingerprint (sha-256 of its text) and its built-in version, if it is the default. */
	templateFingerprint: string;
	templateVersion: number | null;
	batch: boolean;
	decoding: Record<string, unknown>;
}

/** The headline is a RateRange as the report page gives it: tied audited items (no final label) counted as "no" and as "yes". */
export interface ExportJudgeEstimate extends RateRange {
	/** Says which estimate this is: never to be read as the human audit's (`quality`). */
	kind: 'judge-ppi';
	label: string;
	measure: 'all fields valid';
	judgeRun: ExportJudgeRun;
	/** The audit that calibrates (corrects) the judge. */
	auditId: number;
	/** Set when that audit's reviewers saw this judge run's answers as suggestions (no unanchored audit is calibrated): says so. */
	anchoredNote: string | null;
	/** The rows the estimate speaks about: every row the audit sampled from (the dataset, or its kept rows). */
	population: { description: string; tasks: number; rows: number; judgedRows: number; unparsedRows: number };
	/** False when the export's filters select fewer rows than that population: the figure is then the population's, not the file's. */
	appliesToSelection: boolean;
	/** 'audit-only' when the judge adds nothing (`fallback`): the figure is the audit's share with PPI++'s interval at λ = 0. */
	method: 'ppi' | 'ppi++' | 'audit-only';
	/**
	 * Set when the judge adds nothing and the figure is the audit's alone (λ = 0): it said the same of
	 * every row (of the selection), on the audit its verdicts do not go with the humans', or every
	 * row was audited (with tied items counted, for the headline).
	 */
	fallback: JudgeFallback | null;
	design: 'rows' | 'one-row-per-task';
	confidence: number;
	/** Audited items tied (no final label) among the rows estimated; 0 when none. */
	tiedItems: number;
	/** With tied items: the figure with them left out (the report page's secondary "ties left out" line); null without. */
	tiesLeftOut: { rate: number | null; lower: number; upper: number; auditedUnits: number; standardError: number | null; effectiveSampleSize: number | null } | null;
	/** Of the estimate with tied items left out (the same as the headline's without ties). */
	standardError: number | null;
	/** N (rows, or tasks for one-row-per-task) and n (audited units with a human label, tied ones included). */
	populationUnits: number;
	auditedUnits: number;
	/** The judge's own, uncorrected rate over the population. */
	judgeRate: number | null;
	lambda: number;
	/** The human labels a human-only audit would need for the same precision (tied items left out). */
	effectiveSampleSize: number | null;
	/** The audit alone: share of labelled items all valid, with PPI++'s interval at λ = 0 (same variance form); tied items counted both ways as the headline. */
	humanOnly: RateRange & { n: number };
	/** How the figure was computed, in one sentence. */
	description: string;
	caveats: string[];
}

export interface JudgeFilterPrecision extends FilterPrecisionFigures {
	/** As ExportJudgeEstimate's: the audit's reviewers saw this run's answers pre-filled. */
	anchoredNote: string | null;
	confidence: number;
	method: string;
}

function asDb(client: Database.Database): Db {
	// The calibration reads through $client only: the export's snapshot connection serves it.
	return { $client: client } as unknown as Db;
}

type JudgeFallback = 'judge-constant' | 'judge-uninformative' | 'fully-audited';
const isJudgeFallback = (f: string | null | undefined): f is JudgeFallback => f === 'judge-constant' || f === 'judge-uninformative' || f === 'fully-audited';

/** The judge run a selection names, checked against the dataset; null when it names none. */
export function judgeRunOfSelection(client: Database.Database, selection: ExportSelection): number | null {
	const id = selection.filters.judgeRun;
	if (id === undefined) return null;
	const row = client.prepare<[number], { datasetId: number | null; params: string }>("SELECT dataset_id AS datasetId, params FROM generation_runs WHERE id = ? AND pipeline = 'judge'").get(id);
	if (!row) throw new ExportFilterError(`There is no judge run ${id}.`, `judge-run=${id}`);
	if (row.datasetId !== selection.datasetId) throw new ExportFilterError(`Judge run ${id} judged another dataset.`, `judge-run=${id}`);
	// Only a quality run answers the three questions per row: a rating or pairwise run would select nothing.
	const mode = readJudgeParams(JSON.parse(row.params)).mode;
	if (mode !== 'quality')
		throw new ExportFilterError(`Judge run ${id} is a ${mode} judge; exports filter and estimate with a quality judge run (the three questions per row).`, `judge-run=${id}`);
	return id;
}

function qualityAudits(client: Database.Database, selection: ExportSelection): number[] {
	const ids = selection.filters.audits ?? [];
	return (
		client
			.prepare<unknown[], { id: number }>(`SELECT id FROM audits WHERE dataset_id = ? AND kind = 'quality'${ids.length ? ` AND id IN (${ids.map(() => '?').join(', ')})` : ''} ORDER BY id DESC`)
			.all(selection.datasetId, ...ids)
	).map((r) => r.id);
}

/**
 * The run's calibration against the audit, kept while the connection's database is unchanged: an
 * export asks for it two or three times (its judge estimate, the judge-valid filter's precision),
 * each reading every label of the audit and of the judge run.
 */
function unchangedCalibration(client: Database.Database, auditId: number, runId: number): JudgeAuditCalibration {
	return keptWhileUnchanged(client, 'judge-calibration', `${auditId}:${runId}`, () => judgeAuditCalibration(auditId, runId, {}, asDb(client)));
}

/** The audits among `audits` whose reviewers saw judge run `runId`'s answers pre-filled as suggestions. */
function anchoredAudits(client: Database.Database, runId: number, audits: readonly number[]): Set<number> {
	if (audits.length === 0) return new Set();
	return new Set(
		client
			.prepare<unknown[], number>(`SELECT id FROM audits WHERE suggestion_run_id = ? AND id IN (${audits.map(() => '?').join(', ')})`)
			.pluck()
			.all(runId, ...audits)
	);
}

/** What the page, the command line and the manifest say when the judge is calibrated on an audit that showed its answers. */
export function anchoredAuditNote(runId: number, auditId: number): string {
	return `Audit ${auditId}'s reviewers saw judge run ${runId}'s answers pre-filled as suggestions, and no audit without them among those this export reads (all of the dataset's, or those chosen with audit=) is calibrated: their labels may lean toward the judge, so its figures here are likely too favourable to it.`;
}

/**
 * Calibrations of the run against each audit it has verdicts on: audits that did not show this
 * run's answers first, each group newest first.
 */
function calibrations(client: Database.Database, runId: number, audits: number[]): JudgeAuditCalibration[] {
	const out: JudgeAuditCalibration[] = [];
	const anchored = anchoredAudits(client, runId, audits);
	for (const auditId of [...audits.filter((a) => !anchored.has(a)), ...audits.filter((a) => anchored.has(a))]) {
		const overlaps = client
			.prepare<[number, number]>('SELECT 1 FROM judge_labels l JOIN audit_items a ON a.instance_id = l.instance_id WHERE l.run_id = ? AND a.audit_id = ? AND a.is_gold = 0 LIMIT 1')
			.get(runId, auditId);
		if (overlaps) out.push(unchangedCalibration(client, auditId, runId));
	}
	return out;
}

const UNCHOSEN_STATUSES = "('failed', 'cancelled')";

/**
 * The judge's calibration an export uses: the named run (or the newest of the dataset with a
 * whole-dataset estimate, when `needEstimate`), against the newest audit giving an estimate,
 * else the one with the most calibrated items. Null when no judge run overlaps an audit.
 */
export function exportJudgeCalibration(client: Database.Database, selection: ExportSelection, needEstimate: boolean): JudgeAuditCalibration | null {
	if (selection.responsesOf) return null;
	const audits = qualityAudits(client, selection);
	if (audits.length === 0) return null;
	const named = judgeRunOfSelection(client, selection);
	const runs =
		named !== null
			? [named]
			: // A run that failed or was cancelled is used only when named: never chosen silently.
				(client.prepare<[number], { id: number }>(`SELECT id FROM generation_runs WHERE pipeline = 'judge' AND dataset_id = ? AND status NOT IN ${UNCHOSEN_STATUSES} ORDER BY id DESC`).all(selection.datasetId)).map((r) => r.id);
	for (const runId of runs) {
		const found = calibrations(client, runId, audits);
		// A judge that said the same of every row still gives a figure (the audit's alone, labelled so), after any that corrects.
		const withEstimate = found.find((c) => c.estimate !== null && c.estimate.fallback === null) ?? found.find((c) => isJudgeFallback(c.estimate?.fallback));
		if (withEstimate) return withEstimate;
		if (!needEstimate && found.length) {
			const anchored = anchoredAudits(client, runId, audits);
			const byPreference = (c: JudgeAuditCalibration) => (anchored.has(c.auditId) ? 1 : 0);
			return [...found].sort((a, b) => byPreference(a) - byPreference(b) || b.calibration.allValid.pairs - a.calibration.allValid.pairs)[0];
		}
	}
	return null;
}

/** The note for a calibration on an audit that showed this run's answers; null otherwise. */
function anchoredNoteOf(client: Database.Database, cal: JudgeAuditCalibration): string | null {
	return anchoredAudits(client, cal.run.id, [cal.auditId]).size ? anchoredAuditNote(cal.run.id, cal.auditId) : null;
}

/**
 * The instance ids an export selects before its human-label filters — the population the
 * manifest's estimates speak about (as for the human-only estimate in quality.ts).
 */
function selectedRows(client: Database.Database, selection: ExportSelection, beforeHumanLabels: ExportFilters): Set<number> {
	const { q, from } = selectionQuery(selection, beforeHumanLabels);
	const ids = client.prepare<[unknown], number>(`${q.withClause()}SELECT i.id FROM ${from} WHERE ${q.whereClause()}`).pluck().all(q.params);
	return new Set(ids);
}

/**
 * The manifest's `judgeEstimate`, or null when no calibrated judge covers the dataset. When the
 * export's filters narrow the audited population, the estimate is recomputed for the rows the
 * export selects (before human-label filters); when that cannot be done soundly, the population's
 * figure is given with a caveat saying so and why.
 */
export function exportJudgeEstimate(client: Database.Database = db().$client, selection: ExportSelection, selectionRows: () => number): ExportJudgeEstimate | null {
	const cal = exportJudgeCalibration(client, selection, true);
	if (!cal || !cal.estimate || cal.estimate.fallback === 'no-audit') return null;
	const audit = client.prepare<[number], { includeRejected: number }>('SELECT include_rejected AS includeRejected FROM audits WHERE id = ?').get(cal.auditId)!;
	let populationDescription =
		audit.includeRejected === 1
			? `every row of dataset ${selection.datasetId} (the population audit ${cal.auditId} sampled from)`
			: `the rows of dataset ${selection.datasetId} kept by the automatic filters (the population audit ${cal.auditId} sampled from)`;
	const beforeHumanLabels = withoutHumanLabels(selection.filters);
	const humanLabelFilters = Object.keys(selection.filters).filter((k) => selection.filters[k as keyof ExportFilters] !== undefined && !(k in beforeHumanLabels));
	const narrowing = Object.entries(selection.filters).filter(([k, v]) => v !== undefined && !['kept', 'audits', 'judgeRun'].includes(k));
	let chosen: JudgeAuditCalibration = cal;
	let appliesToSelection = narrowing.length === 0 && !selection.includeReformulations && selectionRows() === cal.population.rows;
	// The caveats of the calibration the figure comes from (a narrower selection counts its own tied items).
	let caveats = [...cal.caveats];
	if (!appliesToSelection && !selection.includeReformulations) {
		const rows = selectedRows(client, selection, beforeHumanLabels);
		const sub = judgeAuditCalibration(cal.auditId, cal.run.id, { rows }, asDb(client));
		if (sub.estimate && sub.estimate.fallback !== 'no-audit') {
			chosen = sub;
			caveats = [...sub.caveats];
			appliesToSelection = humanLabelFilters.length === 0;
			populationDescription = `the ${rows.size} rows this export selects${humanLabelFilters.length ? ' before its human-label filters' : ''}, within the population audit ${cal.auditId} sampled from; the audited items among them correct the judge`;
			if (humanLabelFilters.length) {
				caveats.push(`The figure is for the rows the export selects before its human-label filters (${humanLabelFilters.join(', ')}), which remove rows by their audit labels.`);
			}
		} else {
			caveats.push(
				`${sub.estimateNote ?? 'No audited item falls in the rows this export selects.'} The figure is the population's correctness rate, not this file's.`
			);
		}
	} else if (!appliesToSelection) {
		caveats.push("The export adds reformulated rows, which the judge did not see; the figure is the population's correctness rate, not this file's.");
	}
	const e = chosen.estimate!;
	const tr = chosen.tieRange;
	// The headline's fallback (with tied items, the range's: counting them may audit every row).
	const headFallback = headlineFallback(e, tr);
	const fallback = isJudgeFallback(headFallback) ? headFallback : null;
	const over = chosen === cal ? 'the whole population' : "the export's rows";
	const headline = tr ? tieBounds(ppiBounded(tr.tiesAsNo), ppiBounded(tr.tiesAsYes)) : tieBounds(ppiBounded(e), ppiBounded(e));
	const human = tr ? tieBounds(humanBounded(tr.tiesAsNo), humanBounded(tr.tiesAsYes)) : tieBounds(humanBounded(e), humanBounded(e));
	return {
		kind: 'judge-ppi',
		label: fallback
			? `The human audit ${cal.auditId} alone over ${over}: judge run ${cal.run.id} (${cal.run.model}) adds nothing — ${judgeAddsNothingText(fallback)} (the audit's share with the estimate's interval at λ = 0, not a gain from the judge).`
			: `Model-as-judge estimate: judge run ${cal.run.id} (${cal.run.model}) over ${over}, corrected by the human audit ${cal.auditId} (prediction-powered inference). Not the audit-only estimate under "quality".`,
		measure: 'all fields valid',
		judgeRun: {
			id: cal.run.id,
			name: cal.run.name,
			model: cal.run.model,
			status: cal.run.status,
			templateFingerprint: cal.run.templateFingerprint,
			templateVersion: cal.run.templateVersion,
			batch: cal.run.batch,
			decoding: cal.run.decoding
		},
		auditId: cal.auditId,
		anchoredNote: anchoredNoteOf(client, cal),
		population: { description: populationDescription, ...chosen.population },
		appliesToSelection,
		method: fallback ? 'audit-only' : e.method,
		fallback,
		design: e.design,
		...headline,
		confidence: e.confidence,
		tiedItems: tr?.tiedItems ?? 0,
		tiesLeftOut: tr ? { rate: e.estimate, lower: e.lower, upper: e.upper, auditedUnits: e.auditedRows, standardError: e.standardError, effectiveSampleSize: e.effectiveSampleSize } : null,
		standardError: e.standardError,
		populationUnits: e.populationRows,
		auditedUnits: e.auditedRows + (tr?.tiedItems ?? 0),
		judgeRate: e.judgeRate,
		lambda: e.lambda,
		effectiveSampleSize: e.effectiveSampleSize,
		humanOnly: { ...human, n: e.humanOnly.trials + (tr?.tiedItems ?? 0) },
		description: e.description,
		caveats
	};
}

/**
 * The manifest's judge estimate in one sentence (the command line's line after an export): the
 * headline as the report page gives it — with tied items, the range over counting them "no" and
 * "yes" —, then the figure with them left out, named as such; a judge that could not help is
 * named as the audit alone.
 */
export function judgeEstimateText(je: ExportJudgeEstimate): string {
	const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
	const point = je.rate !== null ? pct(je.rate) : `${pct(je.low)}–${pct(je.high)}`;
	const run = `judge run ${je.judgeRun.id}, ${je.judgeRun.model}${je.judgeRun.status === 'completed' ? '' : `, ${je.judgeRun.status}`}`;
	const scope = je.appliesToSelection ? '' : " — for the whole population, not only this file's rows";
	if (je.fallback) {
		return `Judge estimate (${run}): the audit ${je.auditId} alone — the judge adds nothing: ${judgeAddsNothingText(je.fallback)}: ${point} (interval ${pct(je.lower)} to ${pct(je.upper)}), n = ${je.auditedUnits}${je.tiedItems ? `, the ${je.tiedItems} tied item(s) counted as "no" and as "yes"` : ''}${scope}.`;
	}
	const worth = (n: number | null) => (n !== null ? `, worth ${Math.round(n)} human labels` : '');
	const head = `Judge estimate (${run}, corrected by audit ${je.auditId}, ${je.method.toUpperCase()}): ${point} (interval ${pct(je.lower)} to ${pct(je.upper)})`;
	const t = je.tiesLeftOut;
	if (!t) return `${head}, N = ${je.populationUnits}, n = ${je.auditedUnits}${worth(je.effectiveSampleSize)}${scope}.`;
	return `${head} with the ${je.tiedItems} tied audited item(s) counted as "no" and as "yes", N = ${je.populationUnits}, n = ${je.auditedUnits}${scope}; with the tied items left out: ${pct(t.rate)} (interval ${pct(t.lower)} to ${pct(t.upper)}), n = ${t.auditedUnits}${worth(t.effectiveSampleSize)}.`;
}

/** The judge's measured precision for a "judge says all valid" filter; null without the filter or without any calibration. */
export function judgeFilterPrecision(client: Database.Database = db().$client, selection: ExportSelection): JudgeFilterPrecision | null {
	if (!selection.filters.judgeValid) return null;
	const cal = exportJudgeCalibration(client, selection, false);
	if (!cal) return null;
	const p = cal.calibration.allValid.precision;
	const tied = cal.tiedJudgedValid;
	const wilson = (valid: number): Bounded => {
		const w = wilsonInterval(valid, p.trials + tied, { z: p.z });
		return { point: w.proportion, lower: w.lower, upper: w.upper };
	};
	return {
		runId: cal.run.id,
		auditId: cal.auditId,
		anchoredNote: anchoredNoteOf(client, cal),
		judgedValid: p.trials,
		humanValid: p.successes,
		tiedJudgedValid: cal.tiedJudgedValid,
		// The headline first, as the page and the export line lead with it; the ties-left-out figure after.
		withTies: tieBounds(wilson(p.successes), wilson(p.successes + tied)),
		precision: p.proportion,
		lower: p.lower,
		upper: p.upper,
		confidence: p.confidence,
		method: `share of the audited items judge run ${cal.run.id} called all valid that audit ${cal.auditId}'s final human label also calls all valid, with its Wilson score interval${cal.tiedJudgedValid ? `; the ${cal.tiedJudgedValid} such item${cal.tiedJudgedValid === 1 ? '' : 's'} whose reviewers tied (no final label) left out` : ''}`
	};
}

/** What a download's manifest says of the judge: its estimate (or why there is none) and, with the judge-valid filter, its precision. */
export interface ExportJudgeFigures {
	estimate: ExportJudgeEstimate | null;
	/** Why `estimate` is null although a judge run was named or one is calibrated against an audit; null otherwise. */
	estimateNote: string | null;
	precision: JudgeFilterPrecision | null;
}

/** Why a selection has no judge estimate, when there is something to explain (a named run, or a calibrated one). */
function missingEstimateNote(client: Database.Database, selection: ExportSelection): string | null {
	if (selection.responsesOf) return null;
	const cal = exportJudgeCalibration(client, selection, false);
	if (cal) {
		const why = cal.estimateNote ?? (cal.estimate?.fallback ? cal.estimate.description : null);
		return `No judge estimate from judge run ${cal.run.id} and audit ${cal.auditId}: ${why ?? 'the calibration gives none.'}`;
	}
	const named = selection.filters.judgeRun;
	if (named === undefined) {
		const unchosen = client
			.prepare<[number], { id: number; status: string }>(`SELECT id, status FROM generation_runs WHERE pipeline = 'judge' AND dataset_id = ? AND status IN ${UNCHOSEN_STATUSES} ORDER BY id DESC`)
			.all(selection.datasetId);
		if (unchosen.length === 0 || qualityAudits(client, selection).length === 0) return null;
		return `No judge estimate: ${unchosen.map((r) => `judge run ${r.id} ${r.status}`).join(', ')}, and a run that did not complete is not chosen by default; name one with judge-run=<id> (--judge-run) to use it.`;
	}
	return qualityAudits(client, selection).length === 0
		? `No judge estimate: judge run ${named} has no quality audit of this dataset to be calibrated against.`
		: `No judge estimate: judge run ${named} has no verdict yet on any item of this dataset's quality audits, so nothing calibrates it.`;
}

/** The manifest's judge figures for a selection (`instances` gives its count, read only if the estimate needs it), read in one transaction (one snapshot). */
export function exportJudgeFigures(client: Database.Database, selection: ExportSelection, instances?: () => number): ExportJudgeFigures {
	return client.transaction(() => {
		const estimate = exportJudgeEstimate(client, selection, instances ?? (() => countSelection(client, selection).instances));
		return {
			estimate,
			estimateNote: estimate ? null : missingEstimateNote(client, selection),
			precision: judgeFilterPrecision(client, selection)
		};
	})();
}
