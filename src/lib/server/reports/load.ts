/**
 * Reads one audit's items, labels, adjudications, gold answers and skips into the plain shape the
 * pure report functions take ($lib/reports/types). A fixed handful of queries per audit, each
 * on an audit_id index — no per-item queries.
 */
import { auditImport } from '../bundles/provenance';
import { db, type Db } from '../db';
import type {
	ErrorReason,
	Rating,
	ReportAdjudication,
	ReportAudit,
	ReportGoldAnswer,
	ReportInput,
	ReportItem,
	ReportLabel,
	ReportRating,
	StratumRows
} from '$lib/reports/types';
import { verdictStratumLabel } from '$lib/audits/sampling';
import { auditVerdictStrataNow, auditVerdictWeighted } from '../exports/quality';
import { ReportError } from './errors';
import { stratumShift } from '$lib/reports/weighted';
import { storedFlag } from '../db/stored';
import { firstGoldAnswers } from '../audits/routing';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

interface AuditRow {
	id: number;
	name: string;
	kind: 'quality' | 'rating';
	status: 'open' | 'closed';
	datasetId: number;
	datasetName: string;
	overlap: number;
	sampleSize: number;
	itemCount: number;
	goldCount: number;
	seed: number;
	models: string | null;
	routing: 'breadth' | 'depth';
	qualificationItems: number;
	qualificationAccuracy: number;
	headlineEstimator: ReportAudit['headlineEstimator'];
	createdAt: number;
	closedAt: number | null;
	suggestionRunId: number | null;
	suggestionModel: string | null;
	suggestionName: string | null;
	stratify: 'none' | 'classification' | 'verdict';
	strata: string | null;
}

export function loadAudit(auditId: number, database: Db = db()): ReportAudit {
	const row = database.$client
		.prepare<[number], AuditRow>(
			`SELECT a.id, a.name, a.kind, a.status, a.dataset_id AS datasetId, d.name AS datasetName, a.overlap,
				a.sample_size AS sampleSize, a.item_count AS itemCount, a.gold_count AS goldCount, a.seed, a.models,
				a.routing, a.qualification_items AS qualificationItems, a.qualification_accuracy AS qualificationAccuracy, a.headline_estimator AS headlineEstimator,
				a.created_at AS createdAt, a.closed_at AS closedAt, a.stratify, a.strata,
				r.id AS suggestionRunId, r.model AS suggestionModel, r.name AS suggestionName
			 FROM audits a JOIN datasets d ON d.id = a.dataset_id LEFT JOIN generation_runs r ON r.id = a.suggestion_run_id
			 WHERE a.id = ? AND a.status <> 'preparing'`
		)
		.get(auditId);
	if (!row) throw new ReportError(`No audit ${auditId}.`, 404);
	return {
		id: row.id,
		name: row.name,
		kind: row.kind,
		status: row.status,
		datasetId: row.datasetId,
		datasetName: row.datasetName,
		overlap: row.overlap,
		sampleSize: row.sampleSize,
		itemCount: row.itemCount,
		goldCount: row.goldCount,
		seed: row.seed,
		models: row.models ? (JSON.parse(row.models) as string[]) : [],
		routing: row.routing,
		qualification: { items: row.qualificationItems, accuracy: row.qualificationAccuracy },
		headlineEstimator: row.headlineEstimator,
		createdAt: iso(row.createdAt)!,
		closedAt: iso(row.closedAt),
		suggestions:
			row.suggestionRunId === null ? null : { runId: row.suggestionRunId, model: row.suggestionModel ?? '', name: row.suggestionName ?? '' },
		imported: auditImport(row.id, database),
		stratify: row.stratify,
		...verdictStrata(row, database)
	};
}

/** A verdict-stratified quality audit's strata as its headline weights them, and how they differ now from the strata as drawn. */
function verdictStrata(row: AuditRow, database: Db): Pick<ReportAudit, 'stratumSizes' | 'stratumShift'> {
	if (row.kind !== 'quality' || row.stratify !== 'verdict') return { stratumSizes: null, stratumShift: null };
	const sizes = verdictStratumRows(row.id, row.datasetId, database);
	// Strata given no size were not drawn from: their rows are outside the frame, then and now.
	const drawn = row.strata ? (JSON.parse(row.strata) as { key: string; population: number; size: number }[]).filter((h) => h.size > 0) : [];
	const now = drawn.length ? auditVerdictStrataNow(database.$client, row.datasetId, row.id) : [];
	return { stratumSizes: sizes, stratumShift: sizes && drawn.length ? stratumShift(drawn.map((h) => ({ ...h, label: verdictStratumLabel(h.key) })), now) : null };
}

/**
 * A verdict-stratified audit's strata with their rows as the export weighs them (the dataset's rows
 * in the audit's frame by verdict stratum, or once rows moved between strata, the strata's rows as
 * drawn: auditVerdictWeighted), keyed as its items' strata are. Null while no stratum has an
 * answered item, or when the population holds one stratum.
 */
function verdictStratumRows(auditId: number, datasetId: number, database: Db): StratumRows[] | null {
	const weighted = auditVerdictWeighted(database.$client, datasetId, auditId);
	if (!weighted) return null;
	// Over the whole frame every drawn item is in the population: a stratum's rows are its rows as drawn, a count.
	return weighted.strata.map((h) => ({
		stratum: h.stratum,
		label: h.label,
		rows: h.rows,
		...(h.estimatedFrom && h.estimatedFrom.inGroup !== h.estimatedFrom.drawn ? { estimatedFrom: h.estimatedFrom } : {})
	}));
}

/** Audits with gold items: the first answers sent on them, which qualification and gold accuracy are scored on (a few rows). */
function qualificationAnswers(audit: ReportAudit, database: Db, only?: { itemIds: readonly number[] }): Pick<ReportInput, 'firstGoldAnswers'> {
	return audit.goldCount > 0 ? { firstGoldAnswers: firstGoldAnswers(audit.id, database, only) } : {};
}

type Answers = { instructionValid: number | null; inputValid: number | null; outputValid: number | null; errorReason: ErrorReason | null };

/** A row with its three stored answers as flags. */
function withFlags<R extends Answers>(row: R) {
	return { ...row, instructionValid: storedFlag(row.instructionValid), inputValid: storedFlag(row.inputValid), outputValid: storedFlag(row.outputValid) };
}

/**
 * `only.itemIds`: those items and what hangs on them (labels, adjudications, gold answers, skips)
 * and no others — one item's entry after a researcher settles it, without reading the audit.
 */
export function loadReportInput(auditId: number, database: Db = db(), only?: { itemIds: readonly number[] }): ReportInput {
	const c = database.$client;
	// One read transaction: the report is a consistent snapshot even while reviewers submit.
	return c.transaction(() => {
		const audit = loadAudit(auditId, database);
		return { audit, ...readItemsAndLabels(c, audit, only), ...readTheRest(c, auditId, only), ...qualificationAnswers(audit, database, only) };
	})();
}

/** An audit's input and the change sequence (audit_item_changes) it was read at. */
export interface SequencedReportInput {
	input: ReportInput;
	seq: number;
}

/** Above this share of an audit's items changed, reading the audit whole is as quick. */
const READ_WHOLE_ABOVE = 0.25;

/**
 * An audit's input as `loadReportInput` gives it, built from `base` (read earlier from this
 * database) where it can: the items changed since (audit_item_changes) with their labels are read
 * again, the rest of base's items and labels kept as they were; adjudications, gold answers,
 * skips and reviewers, a few rows each, are read afresh. At 100,000 labels a report after one
 * label changed reads a handful of rows rather than 0.35 s of them. Without a base, or for an
 * audit whose id now names another, the audit is read whole.
 */
export function loadReportInputSince(auditId: number, database: Db = db(), base?: SequencedReportInput): SequencedReportInput {
	const c = database.$client;
	return c.transaction((): SequencedReportInput => {
		const seq = c.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM audit_item_changes').pluck().get()!;
		const audit = loadAudit(auditId, database);
		const whole = (): SequencedReportInput => ({ input: { audit, ...readItemsAndLabels(c, audit), ...readTheRest(c, auditId), ...qualificationAnswers(audit, database) }, seq });
		if (!base || base.input.audit.id !== audit.id || base.input.audit.createdAt !== audit.createdAt || base.input.audit.kind !== audit.kind) return whole();
		const changed = c
			.prepare<[number, number], number>('SELECT item_id FROM audit_item_changes WHERE audit_id = ? AND seq > ?')
			.pluck()
			.all(auditId, base.seq);
		if (changed.length > base.input.items.length * READ_WHOLE_ABOVE + 64) return whole();
		let { items, labels } = base.input;
		if (changed.length > 0) {
			const again = readItemsAndLabels(c, audit, { itemIds: changed });
			const isChanged = new Set(changed);
			items = mergeSorted(
				items.filter((i) => !isChanged.has(i.id)),
				again.items,
				(i) => i.position
			);
			labels = mergeSorted(
				labels.filter((l) => !isChanged.has(l.itemId)),
				again.labels,
				(l) => l.itemId
			);
		}
		return { input: { audit, items, labels, ...readTheRest(c, auditId), ...qualificationAnswers(audit, database) }, seq };
	})();
}

/**
 * `a` and `b`, each in order of `key`, as one list in that order (`b`'s first on equal keys:
 * never met, the two hold different items).
 */
function mergeSorted<T>(a: readonly T[], b: readonly T[], key: (value: T) => number): T[] {
	if (b.length === 0) return a as T[];
	const out: T[] = new Array(a.length + b.length);
	let i = 0;
	let j = 0;
	let n = 0;
	while (i < a.length && j < b.length) out[n++] = key(b[j]) <= key(a[i]) ? b[j++] : a[i++];
	while (i < a.length) out[n++] = a[i++];
	while (j < b.length) out[n++] = b[j++];
	return out;
}

type Client = Db['$client'];
type Only = { itemIds: readonly number[] } | undefined;

/** The condition restricting `column` to the items asked for, if any, and the arguments with it. */
function restriction(only: Only) {
	const ids = only ? JSON.stringify(only.itemIds) : null;
	return {
		ids,
		onItems: (column: string) => (ids === null ? '' : ` AND ${column} IN (SELECT value FROM json_each(?))`),
		args: (id: number): unknown[] => (ids === null ? [id] : [id, ids])
	};
}

/**
 * An audit's items (in sample order) and labels (by item, then as submitted), or those of the
 * items asked for. Read as raw rows into one object literal each: at 100,000 labels, row objects
 * spread into report objects took half a second, and left shapes that slowed the report.
 */
function readItemsAndLabels(c: Client, audit: ReportAudit, only?: Only): Pick<ReportInput, 'items' | 'labels'> {
	const auditId = audit.id;
	const { ids, onItems, args } = restriction(only);
	const itemRows = c
		.prepare<unknown[], [number, number, number, number | null, string | null, number, number | null]>(
			`SELECT i.id, i.position, i.task_id, i.instance_id, i.stratum, i.is_gold, t.is_classification
			 FROM audit_items i JOIN tasks t ON t.id = i.task_id
			 WHERE i.audit_id = ?${onItems('i.id')} ORDER BY i.position`
		)
		.raw()
		.all(...args(auditId));
	const responsesByItem = new Map<number, ReportItem['responses']>();
	if (audit.kind === 'rating') {
		const rows = c
			.prepare<unknown[], { itemId: number; responseId: number; model: string }>(
				`SELECT ir.item_id AS itemId, ir.response_id AS responseId, r.model
				 FROM audit_item_responses ir JOIN audit_items i ON i.id = ir.item_id JOIN responses r ON r.id = ir.response_id
				 WHERE i.audit_id = ?${onItems('ir.item_id')} ORDER BY ir.item_id, ir.position`
			)
			.all(...args(auditId));
		for (const r of rows) {
			const list = responsesByItem.get(r.itemId) ?? [];
			list.push({ responseId: r.responseId, model: r.model });
			responsesByItem.set(r.itemId, list);
		}
	}
	const items: ReportItem[] = itemRows.map(([id, position, taskId, instanceId, stratum, isGold, isClassification]) => ({
		id,
		position,
		taskId,
		instanceId,
		stratum,
		isGold: isGold === 1,
		isClassification: storedFlag(isClassification),
		responses: responsesByItem.get(id) ?? []
	}));

	const ratingsByLabel = new Map<number, ReportRating[]>();
	if (audit.kind === 'rating') {
		const rows = c
			.prepare<unknown[], [number, number, string, ReportRating['rating']]>(
				// The items asked for: their labels' ratings by label (the primary key), not by scanning the audit's.
				ids === null
					? 'SELECT label_id, response_id, model, rating FROM audit_label_ratings WHERE audit_id = ?'
					: `SELECT label_id, response_id, model, rating FROM audit_label_ratings
					   WHERE label_id IN (SELECT id FROM audit_labels WHERE audit_id = ?${onItems('item_id')})`
			)
			.raw()
			.all(...args(auditId));
		for (const [labelId, responseId, model, rating] of rows) {
			const list = ratingsByLabel.get(labelId);
			if (list) list.push({ responseId, model, rating });
			else ratingsByLabel.set(labelId, [{ responseId, model, rating }]);
		}
	}
	const labelRows = c
		.prepare<unknown[], [number, number, number, number | null, number | null, number | null, ErrorReason | null, string | null, string, number, number, number, number]>(
			`SELECT id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, error_reason, preference, comment,
				duration_ms, active_ms, submitted_at, updated_at
			 FROM audit_labels WHERE audit_id = ?${onItems('item_id')} ORDER BY item_id, submitted_at, id`
		)
		.raw()
		.all(...args(auditId));
	const labels: ReportLabel[] = new Array(labelRows.length);
	for (let n = 0; n < labelRows.length; n++) {
		const [id, itemId, reviewerId, instructionValid, inputValid, outputValid, errorReason, preference, comment, durationMs, activeMs, submittedAt, updatedAt] = labelRows[n];
		labels[n] = {
			id,
			itemId,
			reviewerId,
			instructionValid: storedFlag(instructionValid),
			inputValid: storedFlag(inputValid),
			outputValid: storedFlag(outputValid),
			errorReason,
			preference,
			comment,
			durationMs,
			activeMs,
			submittedAt: iso(submittedAt)!,
			updatedAt: iso(updatedAt) ?? undefined,
			ratings: ratingsByLabel.get(id) ?? []
		};
	}
	return { items, labels };
}

/** Adjudications, gold answers, skips and reviewers: a few rows each, read whole or for the items asked for. */
function readTheRest(c: Client, auditId: number, only?: Only): Pick<ReportInput, 'adjudications' | 'gold' | 'skips' | 'reviewers'> {
	const { onItems, args } = restriction(only);
	const adjudicationRatings = new Map<number, ReportRating[]>();
	for (const r of c
		.prepare<unknown[], ReportRating & { itemId: number }>(
			`SELECT j.item_id AS itemId, ar.response_id AS responseId, ar.model, ar.rating
			 FROM audit_adjudication_ratings ar JOIN audit_adjudications j ON j.id = ar.adjudication_id WHERE j.audit_id = ?${onItems('j.item_id')}`
		)
		.all(...args(auditId))) {
		const list = adjudicationRatings.get(r.itemId) ?? [];
		list.push({ responseId: r.responseId, model: r.model, rating: r.rating });
		adjudicationRatings.set(r.itemId, list);
	}
	const adjudications: ReportAdjudication[] = (
		c
			.prepare<unknown[], Answers & { itemId: number; adjudicatorId: number | null; comment: string; updatedAt: number }>(
				`SELECT item_id AS itemId, adjudicator_id AS adjudicatorId, instruction_valid AS instructionValid,
					input_valid AS inputValid, output_valid AS outputValid, error_reason AS errorReason, comment, updated_at AS updatedAt
				 FROM audit_adjudications WHERE audit_id = ?${onItems('item_id')}`
			)
			.all(...args(auditId))
	).map((r) => ({ ...withFlags(r), updatedAt: iso(r.updatedAt)!, ratings: adjudicationRatings.get(r.itemId) ?? [] }));

	const goldRatings = new Map<number, Array<{ responseId: number; rating: Rating }>>();
	for (const r of c
		.prepare<unknown[], { itemId: number; responseId: number; rating: Rating }>(
			`SELECT g.item_id AS itemId, g.response_id AS responseId, g.rating
			 FROM audit_gold_ratings g JOIN audit_items i ON i.id = g.item_id WHERE i.audit_id = ?${onItems('g.item_id')}`
		)
		.all(...args(auditId))) {
		const list = goldRatings.get(r.itemId) ?? [];
		list.push({ responseId: r.responseId, rating: r.rating });
		goldRatings.set(r.itemId, list);
	}
	const gold: ReportGoldAnswer[] = (
		c
			.prepare<unknown[], Answers & { itemId: number }>(
				`SELECT item_id AS itemId, instruction_valid AS instructionValid, input_valid AS inputValid,
					output_valid AS outputValid, error_reason AS errorReason, preference
				 FROM audit_gold_answers WHERE audit_id = ?${onItems('item_id')}`
			)
			.all(...args(auditId))
	).map((r) => ({ ...withFlags(r), ratings: goldRatings.get(r.itemId) ?? [] }));

	const skips = c
		.prepare<unknown[], { itemId: number; reviewerId: number }>(
			`SELECT item_id AS itemId, reviewer_id AS reviewerId FROM audit_assignments WHERE audit_id = ? AND status = 'skipped'${onItems('item_id')}`
		)
		.all(...args(auditId));

	// One index seek per user and table, not the audit's labels read through a UNION: at 100,000
	// labels 0.2 ms rather than 23 ms, on every view of the report.
	const reviewers = (
		c
			.prepare<[{ audit: number }], { id: number; name: string; email: string; removed: number; setAsideLabels: number }>(
				`SELECT u.id, u.name, u.email,
					EXISTS (SELECT 1 FROM audit_reviewers WHERE audit_id = @audit AND user_id = u.id AND removed_at IS NOT NULL) AS removed,
					(SELECT count(*) FROM audit_archived_labels WHERE audit_id = @audit AND reviewer_id = u.id) AS setAsideLabels
				 FROM users u
				 WHERE EXISTS (SELECT 1 FROM audit_reviewers WHERE audit_id = @audit AND user_id = u.id)
					OR EXISTS (SELECT 1 FROM audit_labels WHERE audit_id = @audit AND reviewer_id = u.id)
					OR EXISTS (SELECT 1 FROM audit_assignments WHERE audit_id = @audit AND reviewer_id = u.id AND status = 'skipped')
				 ORDER BY u.id`
			)
			.all({ audit: auditId })
	).map((u) => ({ id: u.id, name: u.name.trim() || u.email, removed: u.removed === 1, setAsideLabels: u.setAsideLabels }));

	return { adjudications, gold, skips, reviewers };
}
