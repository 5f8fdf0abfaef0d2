/**
 * The judge against the humans on one audit (docs/judge-design.md, "Calibration"): the audit's
 * final label per item (reports' itemVerdicts: adjudication, else majority, ties undecided)
 * joined to a judge run's label on the instance the item showed, passed to the pure
 * calibration ($lib/judge/calibration) and to the prediction-powered whole-dataset estimate
 * ($lib/stats/ppi). One function for the report page, `report --judge` and the API.
 */
import {
	pairMajority,
	pairwiseCalibration,
	qualityCalibration,
	ratingCalibration,
	tallyPairs,
	type HumanPreference,
	type PairWinner,
	type PairwiseCalibration,
	type PairwiseTally,
	type QualityAnswers,
	type QualityCalibration,
	type RatingCalibration
} from '$lib/judge';
import { RATING_KEYS, type RatingLevel } from '$lib/audits/rubric';
import { predictionPoweredRate, ppiInputFromRows, ppiInputFromTasks, type PpiEstimate } from '$lib/stats/ppi';
import { db, type Db } from '../db';
import { loadQualityUnits } from '../audits/create';
import { reviewersNotCountedIn } from '../audits/routing';
import type { SamplingFrame, SamplingUnit } from '$lib/audits/sampling';
import type { ItemVerdict } from '$lib/reports';
import { keptWhileUnchanged } from '../db/unchanged';
import { itemVerdicts } from '../reports/reports';
import { ReportError } from '../reports/errors';
import { judgeStepOf, readJudgeParams, JUDGE_MODE_AUDIT_KIND, type JudgeMode, type JudgeSelection } from '../runs/judge/params';
import { judgeVerdictModels, type JudgeModelVerdicts } from '../runs/judge/models';

export interface JudgeRunRef {
	id: number;
	/** quality: the three questions per row; rating: A–D per response; pairwise: each pair in both orders. */
	mode: JudgeMode;
	name: string;
	/** The model its calls go to now (after a retry with another model, not that of every verdict: see `models`). */
	model: string;
	/** Its verdicts by model, most first: more than one when failed calls were retried with another model ($lib/runs/judge-models names them). */
	models: JudgeModelVerdicts[];
	status: string;
	batch: boolean;
	selection: JudgeSelection;
	templateFingerprint: string;
	templateVersion: number | null;
	decoding: Record<string, unknown>;
	/** Rows it judges, and how many have a readable verdict / none. */
	rows: number;
	parsed: number;
	unparsed: number;
}

export interface CalibrationOptions {
	confidence?: number;
	/**
	 * Only these rows (instance ids) of the audited population: the whole-dataset estimate
	 * becomes that subset's (an export's selection). The audited items inside it are a random
	 * sample of it, so the same correction applies (domain estimation). Agreement figures stay
	 * those of the whole audit.
	 */
	rows?: ReadonlySet<number>;
}

export interface JudgeAuditCalibration {
	mode: 'quality';
	auditId: number;
	run: JudgeRunRef;
	/** Sampled audit items (gold left out), those with a decided final "all valid", and those the run has a label for. */
	items: number;
	decidedItems: number;
	judgedItems: number;
	/** Judged items whose reply could not be read. */
	unreadableItems: number;
	/** Per question and all valid: agreement, κ, confusion, sensitivity, specificity, precision. */
	calibration: QualityCalibration;
	/** The whole-dataset correctness ("all three questions yes") by PPI++, with the human-only rate inside; null with `estimateNote` when it cannot be computed. */
	estimate: PpiEstimate | null;
	/**
	 * With tied items (labelled, no final label), the estimate with them counted as "no" and as
	 * "yes": the range the audit's headline gives for the same items (`estimate` leaves them out).
	 */
	tieRange: { tiedItems: number; tiesAsNo: PpiEstimate; tiesAsYes: PpiEstimate } | null;
	/** Tied audited items (labelled, no final label) the run called all valid: the precision's figures leave them out and say so. */
	tiedJudgedValid: number;
	estimateNote: string | null;
	/** The population the estimate speaks about. */
	population: { tasks: number; rows: number; judgedRows: number; unparsedRows: number };
	caveats: string[];
}

interface LabelRow {
	instance_id: number;
	status: 'parsed' | 'unparsed';
	i: number | null;
	n: number | null;
	o: number | null;
}

function judgeRunRef(runId: number, database: Db): JudgeRunRef & { datasetId: number | null; upToInstanceId: number } {
	const row = database.$client.prepare<[number], { id: number; name: string; model: string; status: string; dataset_id: number | null; params: string }>("SELECT id, name, model, status, dataset_id, params FROM generation_runs WHERE id = ? AND pipeline = 'judge'").get(runId);
	if (!row) throw new ReportError(`There is no judge run ${runId}.`, 404);
	const params = readJudgeParams(JSON.parse(row.params));
	const step = judgeStepOf(params);
	const counts = database.$client
		.prepare<[number], { parsed: number | null; unparsed: number | null }>("SELECT sum(status = 'parsed') AS parsed, sum(status = 'unparsed') AS unparsed FROM judge_labels WHERE run_id = ?")
		.get(runId)!;
	const target = database.$client.prepare<[number], number>('SELECT target FROM generation_runs WHERE id = ?').pluck().get(runId)!;
	return {
		id: row.id,
		mode: params.mode,
		name: row.name,
		model: row.model,
		models: judgeVerdictModels(database, [runId]).get(runId) ?? [],
		status: row.status,
		batch: params.batch,
		selection: params.selection,
		templateFingerprint: step.template.fingerprint,
		templateVersion: step.template.isDefault ? step.template.defaultVersion : null,
		decoding: { ...step.decoding },
		rows: target,
		parsed: counts.parsed ?? 0,
		unparsed: counts.unparsed ?? 0,
		datasetId: row.dataset_id,
		upToInstanceId: params.upToInstanceId
	};
}

function answers(label: LabelRow | undefined): QualityAnswers | null {
	if (!label || label.status !== 'parsed') return null;
	return { instruction: label.i === 1, input: label.n === 1, output: label.o === 1 };
}

function allYes(label: LabelRow | undefined): boolean | null {
	if (!label || label.status !== 'parsed') return null;
	return label.i === 1 && label.n === 1 && label.o === 1;
}

/**
 * Judge runs with a label on at least one of the audit's sampled items, newest first: on the
 * instance an item shows (quality audits), one of its responses (rating) or its pair (pairwise).
 */
export function overlappingJudgeRuns(auditId: number, database: Db = db()): { id: number; name: string; model: string; models: JudgeModelVerdicts[]; status: string }[] {
	const kind = database.$client.prepare<[number], string>("SELECT kind FROM audits WHERE id = ? AND status <> 'preparing'").pluck().get(auditId);
	const overlap =
		kind === 'rating'
			? `SELECT 1 FROM judge_labels l JOIN audit_item_responses ar ON ar.response_id = l.response_id JOIN audit_items a ON a.id = ar.item_id
				WHERE l.run_id = r.id AND a.audit_id = ? AND a.is_gold = 0`
			: kind === 'pairwise'
				? `SELECT 1 FROM judge_labels l JOIN audit_items a ON a.pair_id = l.pair_id WHERE l.run_id = r.id AND a.audit_id = ? AND a.is_gold = 0`
				: `SELECT 1 FROM judge_labels l JOIN audit_items a ON a.instance_id = l.instance_id WHERE l.run_id = r.id AND a.audit_id = ? AND a.is_gold = 0`;
	const runs = database.$client
		.prepare<[number], { id: number; name: string; model: string; status: string }>(`SELECT r.id, r.name, r.model, r.status FROM generation_runs r WHERE r.pipeline = 'judge' AND EXISTS (${overlap}) ORDER BY r.id DESC`)
		.all(auditId);
	const models = judgeVerdictModels(database, runs.map((r) => r.id));
	return runs.map((r) => ({ ...r, models: models.get(r.id) ?? [] }));
}

/** The judge mode that is calibrated against an audit of this kind (none for conversation audits). */
export function judgeModeForAudit(kind: string): JudgeMode | null {
	return kind === 'quality' || kind === 'rating' || kind === 'pairwise' ? kind : null;
}

/** Judge runs of the audit's dataset (whether or not they have reached its items yet), newest first, with their mode. */
export function judgeRunsOfDataset(datasetId: number, database: Db = db()): { id: number; name: string; model: string; models: JudgeModelVerdicts[]; status: string; mode: JudgeMode }[] {
	const rows = database.$client
		.prepare<[number], { id: number; name: string; model: string; status: string; params: string }>("SELECT id, name, model, status, params FROM generation_runs WHERE pipeline = 'judge' AND dataset_id = ? ORDER BY id DESC")
		.all(datasetId);
	const models = judgeVerdictModels(database, rows.map((r) => r.id));
	return rows
		.map(({ params, ...r }) => ({ ...r, models: models.get(r.id) ?? [], mode: ((JSON.parse(params) as { mode?: JudgeMode }).mode ?? 'quality') as JudgeMode }));
}

/** A rating judge against the final human A–D rating of each audited response. */
export interface JudgeRatingAuditCalibration {
	mode: 'rating';
	auditId: number;
	run: JudgeRunRef;
	/** Audited responses (gold items left out), those with a decided final rating, and those the run has a label for. */
	responses: number;
	decidedResponses: number;
	judgedResponses: number;
	/** Judged responses whose reply could not be read. */
	unreadableResponses: number;
	/** Exact and adjacent agreement, κ and quadratic-weighted κ, the A–D confusion matrix (judge rows × human columns), "A or B" as yes/no. */
	calibration: RatingCalibration;
	/** The same per model whose responses the audit rated. */
	byModel: { model: string; calibration: RatingCalibration }[];
	/** The judge's ratings over every response it labelled, A–D, and how many it could not read. */
	judgeDistribution: Record<RatingLevel, number> & { unparsed: number };
	caveats: string[];
}

/** A pairwise judge (both orders, inconsistent → tie) against the audit's human majority per pair. */
export interface JudgePairwiseAuditCalibration {
	mode: 'pairwise';
	auditId: number;
	run: JudgeRunRef;
	/** Audited pairs (gold left out), those with a decided human verdict, and those the run has a label for. */
	pairs: number;
	decidedPairs: number;
	judgedPairs: number;
	/** Judged pairs whose replies could not be read. */
	unreadablePairs: number;
	/** Agreement with and without ties, κ and the 3×3 confusion (first, second, tie; judge rows × human columns). */
	calibration: PairwiseCalibration;
	/** The judge's outcomes on the audited pairs: wins, ties, and how often its two orders disagreed. */
	judgeTally: PairwiseTally;
	caveats: string[];
}

export type AnyJudgeAuditCalibration = JudgeAuditCalibration | JudgeRatingAuditCalibration | JudgePairwiseAuditCalibration;

type AuditRow = { id: number; datasetId: number; kind: string; instanceMode: string; stratify: string; includeRejected: number };

/**
 * The judge run against the audit's final human labels, in the run's mode: the three questions
 * and the whole-dataset estimate (quality audits), A–D ratings (rating audits) or pair verdicts
 * (pairwise audits). The run's mode must match the audit's kind.
 */
export function judgeCalibration(auditId: number, runId: number, options: CalibrationOptions = {}, database: Db = db()): AnyJudgeAuditCalibration {
	const c = database.$client;
	const audit = c.prepare<[number], AuditRow>("SELECT id, dataset_id AS datasetId, kind, instance_mode AS instanceMode, stratify, include_rejected AS includeRejected FROM audits WHERE id = ? AND status <> 'preparing'").get(auditId);
	if (!audit) throw new ReportError(`No audit ${auditId}.`, 404);
	const run = judgeRunRef(runId, database);
	if (run.datasetId !== audit.datasetId) throw new ReportError(`Judge run ${runId} judged another dataset than audit ${auditId}.`);
	const wanted = judgeModeForAudit(audit.kind);
	if (!wanted) throw new ReportError(`There is no judge for ${audit.kind} audits yet.`);
	if (run.mode !== wanted)
		throw new ReportError(`Judge run ${runId} is a ${run.mode} judge; a ${audit.kind} audit is compared with a ${JUDGE_MODE_AUDIT_KIND[wanted]} judge run (judge start --mode ${wanted}).`);
	if (run.mode === 'rating') return ratingAuditCalibration(audit, run, options, database);
	if (run.mode === 'pairwise') return pairwiseAuditCalibration(audit, run, options, database);
	return qualityAuditCalibration(audit, run, options, database);
}

/** A quality judge run against a quality audit: per question, all valid, and the whole-dataset estimate. */
export function judgeAuditCalibration(auditId: number, runId: number, options: CalibrationOptions = {}, database: Db = db()): JudgeAuditCalibration {
	const result = judgeCalibration(auditId, runId, options, database);
	if (result.mode !== 'quality') throw new ReportError(`Audit ${auditId} is not a quality audit; use its ${result.mode} calibration.`);
	return result;
}

function publicRef(run: ReturnType<typeof judgeRunRef>): JudgeRunRef {
	const { datasetId: _d, upToInstanceId: _u, ...ref } = run;
	void _d;
	void _u;
	return ref;
}

function ratingAuditCalibration(audit: AuditRow, run: ReturnType<typeof judgeRunRef>, options: { confidence?: number }, database: Db): JudgeRatingAuditCalibration {
	const labels = new Map(
		(
			database.$client.prepare<[number], {
				responseId: number;
				status: string;
				rating: RatingLevel | null;
			}>('SELECT response_id AS responseId, status, rating FROM judge_labels WHERE run_id = ? AND response_id IS NOT NULL').all(run.id)
		).map((l) => [l.responseId, l])
	);
	const responses = itemVerdicts(audit.id, {}, database)
		.filter((v) => !v.isGold)
		.flatMap((v) => v.ratingsByResponse ?? []);
	const judgeOf = (responseId: number) => {
		const l = labels.get(responseId);
		return l?.status === 'parsed' ? l.rating : null;
	};
	const pairs = responses.map((r) => [judgeOf(r.responseId), r.rating as RatingLevel | null] as const);
	const models = [...new Set(responses.map((r) => r.model))].sort();
	const judgeDistribution = { ...Object.fromEntries(RATING_KEYS.map((k) => [k, 0])), unparsed: 0 } as Record<RatingLevel, number> & { unparsed: number };
	for (const l of labels.values()) {
		if (l.status === 'parsed' && l.rating) judgeDistribution[l.rating] += 1;
		else judgeDistribution.unparsed += 1;
	}
	return {
		mode: 'rating',
		auditId: audit.id,
		run: publicRef(run),
		responses: responses.length,
		decidedResponses: responses.filter((r) => r.rating !== null).length,
		judgedResponses: responses.filter((r) => labels.has(r.responseId)).length,
		unreadableResponses: responses.filter((r) => labels.has(r.responseId) && labels.get(r.responseId)!.status !== 'parsed').length,
		calibration: ratingCalibration(pairs, options),
		byModel: models.map((model) => ({
			model,
			calibration: ratingCalibration(
				responses.filter((r) => r.model === model).map((r) => [judgeOf(r.responseId), r.rating as RatingLevel | null] as const),
				options
			)
		})),
		judgeDistribution,
		caveats: [
			'The human rating of a response is its final rating (adjudication, else the reviewers’ majority); responses whose reviewers tied are left out.',
			'Responses without a readable judge rating are left out of the agreement figures and counted as "judge missing".'
		]
	};
}

function pairwiseAuditCalibration(audit: AuditRow, run: ReturnType<typeof judgeRunRef>, options: { confidence?: number }, database: Db): JudgePairwiseAuditCalibration {
	const c = database.$client;
	const labels = new Map(
		(
			c.prepare<[number], {
				pairId: number;
				status: string;
				winner: PairWinner | null;
				consistent: number | null;
				verdicts: string | null;
			}>('SELECT pair_id AS pairId, status, winner, consistent, verdicts FROM judge_labels WHERE run_id = ? AND pair_id IS NOT NULL').all(run.id)
		).map((l) => [l.pairId, l])
	);
	const items = c.prepare<[number], {
		id: number;
		pairId: number;
	}>('SELECT id, pair_id AS pairId FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND pair_id IS NOT NULL ORDER BY position').all(audit.id);
	const preferences = new Map<number, HumanPreference[]>();
	// Reviewers who have not passed the audit's qualification step do not count, as in its report.
	const notCounted = reviewersNotCountedIn(c, audit.id);
	for (const l of c
		.prepare<[number], { itemId: number; reviewerId: number; preference: HumanPreference }>(
			'SELECT l.item_id AS itemId, l.reviewer_id AS reviewerId, l.preference FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? AND i.is_gold = 0 AND l.preference IS NOT NULL'
		)
		.all(audit.id)) {
		if (notCounted.has(l.reviewerId)) continue;
		if (!preferences.has(l.itemId)) preferences.set(l.itemId, []);
		preferences.get(l.itemId)!.push(l.preference);
	}
	const judgeOf = (pairId: number) => {
		const l = labels.get(pairId);
		return l?.status === 'parsed' ? l.winner : null;
	};
	const human = items.map((i) => pairMajority(preferences.get(i.id) ?? []));
	const outcomes = items.flatMap((i) => {
		const l = labels.get(i.pairId);
		if (l?.status !== 'parsed' || !l.verdicts) return [];
		const v = JSON.parse(l.verdicts) as { original: { winner: PairWinner }; swapped: { winner: PairWinner } };
		const original = v.original.winner;
		const swapped = v.swapped.winner;
		return [{ winner: l.winner!, consistent: l.consistent === 1, original, swapped }];
	});
	return {
		mode: 'pairwise',
		auditId: audit.id,
		run: publicRef(run),
		pairs: items.length,
		decidedPairs: human.filter((h) => h !== null).length,
		judgedPairs: items.filter((i) => labels.has(i.pairId)).length,
		unreadablePairs: items.filter((i) => labels.has(i.pairId) && labels.get(i.pairId)!.status !== 'parsed').length,
		calibration: pairwiseCalibration(
			items.map((i, k) => [judgeOf(i.pairId), human[k]] as const),
			options
		),
		judgeTally: tallyPairs(outcomes),
		caveats: [
			'The human verdict on a pair is its reviewers’ plurality (first, second or tie; "both bad" counts as a tie); pairs whose reviewers split evenly are left out.',
			'The judge saw every pair twice with the order swapped; a pair it judged differently in the two orders is a tie (MT-Bench’s rule).'
		]
	};
}

/** What a quality calibration reads: the judge's verdicts by instance, the audit's final labels, and the population the audit sampled from. */
interface QualityCalibrationBasis {
	labels: Map<number, LabelRow>;
	verdicts: ItemVerdict[];
	units: SamplingUnit[];
	suggested: number | null;
	frame: AuditFrame;
	/** Rows that existed at the draw and are in the audit's population now (deleted or filter-rejected rows are not). */
	rowsOfFrameNow: number;
}

/**
 * The rows the audit could have drawn: those that existed when it was drawn. Audits record only
 * the frame's size (sampling_frame, from migration 0031), so its rows are read from their creation
 * times against the audit's (for an audit imported from a bundle, the time it arrived here: the
 * draw happened elsewhere). Rows created later are outside the population the audit is a random
 * sample of.
 */
interface AuditFrame {
	/** Instance ids of the dataset created after the audit was drawn. */
	addedAfter: Set<number>;
	/** Set when the frame cannot be known: an audited row was created after the audit itself. */
	unknown: string | null;
	imported: boolean;
	/** The number of rows the audit drew from, as recorded at the draw (null for audits from before 0031). */
	drawnFrom: number | null;
}

function auditFrame(audit: AuditRow, verdicts: readonly ItemVerdict[], database: Db): AuditFrame {
	const c = database.$client;
	const times = c
		.prepare<[number], { createdAt: number; importedAt: number | null; samplingFrame: string | null }>('SELECT created_at AS createdAt, imported_at AS importedAt, sampling_frame AS samplingFrame FROM audits WHERE id = ?')
		.get(audit.id)!;
	const drawnAt = times.importedAt ?? times.createdAt;
	const addedAfter = new Set(c.prepare<[number, number], number>('SELECT id FROM instances WHERE dataset_id = ? AND created_at > ?').pluck().all(audit.datasetId, drawnAt));
	const late = verdicts.filter((v) => addedAfter.has(v.instanceId!)).length;
	return {
		addedAfter,
		imported: times.importedAt !== null,
		// An imported audit's frame is the source installation's: not comparable with the rows here.
		drawnFrom: times.samplingFrame && times.importedAt === null ? (JSON.parse(times.samplingFrame) as SamplingFrame).choices : null,
		unknown:
			late > 0
				? `${late} audited row(s) were created after the audit was${times.importedAt !== null ? ' imported' : ''}, so the rows it sampled from cannot be told from those added later; no whole-dataset estimate is given.`
				: null
	};
}

/**
 * Kept while the database is unchanged (../db/unchanged): an export's judge estimate asks for the
 * run's calibration over the whole population and again over the rows it selects, each reading
 * every label of the audit and of the judge run (0.6 s at 50,000 rows). Never changed by callers.
 */
function qualityCalibrationBasis(audit: AuditRow, run: ReturnType<typeof judgeRunRef>, database: Db): QualityCalibrationBasis {
	const c = database.$client;
	return keptWhileUnchanged(c, 'judge-calibration-basis', `${audit.id}:${run.id}`, () => {
		const verdicts = itemVerdicts(audit.id, {}, database).filter((v) => !v.isGold && v.instanceId !== null);
		const frame = auditFrame(audit, verdicts, database);
		const population = loadQualityUnits(audit.datasetId, audit.includeRejected === 1, database).map((u) => ({ ...u, choices: u.choices.filter((id) => !frame.addedAfter.has(id)) }));
		return {
			labels: new Map(
				c
					.prepare<[number], LabelRow>('SELECT instance_id, status, instruction_valid AS i, input_valid AS n, output_valid AS o FROM judge_labels WHERE run_id = ? AND instance_id IS NOT NULL')
					.all(run.id)
					.map((l) => [l.instance_id, l])
			),
			verdicts,
			// The population the audit sampled from: the rows there were when it was drawn (as far as the judge run existed then).
			units: population.map((u) => ({ ...u, choices: u.choices.filter((id) => id <= run.upToInstanceId) })).filter((u) => u.choices.length > 0),
			rowsOfFrameNow: population.reduce((sum, u) => sum + u.choices.length, 0),
			suggested: c.prepare<[number], number | null>('SELECT suggestion_run_id FROM audits WHERE id = ?').pluck().get(audit.id) ?? null,
			frame
		};
	}, 4);
}

function qualityAuditCalibration(audit: AuditRow, run: ReturnType<typeof judgeRunRef>, options: CalibrationOptions, database: Db): JudgeAuditCalibration {
	const auditId = audit.id;
	const runId = run.id;
	const runRef = publicRef(run);
	const basis = qualityCalibrationBasis(audit, run, database);
	const { labels, verdicts, suggested, frame } = basis;
	const rows = verdicts.map((v) => ({
		judge: answers(labels.get(v.instanceId!)),
		human: v.basis === 'none' ? null : { instruction: v.instructionValid, input: v.inputValid, output: v.outputValid },
		// "All fields valid" as the report, the estimate and the export filter decide it.
		humanAllValid: v.basis === 'none' ? null : v.allValid
	}));
	// The interval options only: `rows` narrows the estimate's population, not the agreement.
	const interval = { confidence: options.confidence };
	const calibration = qualityCalibration(rows, interval);
	const decided = verdicts.filter((v) => v.allValid !== null);
	// Labelled but without a final "all valid": the reviewers disagreed and nobody adjudicated.
	const tied = verdicts.filter((v) => v.allValid === null && v.basis !== 'none');
	const caveats = [
		// How tied items enter the estimate is said once, below, where there are any (they are counted both ways, not dropped).
		'The audit must be a simple random sample of the rows the estimate speaks about.',
		'Rows without a readable judge verdict count as "no" in the estimate (any fixed rule keeps it valid: the audit measures the judge as applied) and are left out of the agreement figures.'
	];
	if (suggested !== null) {
		caveats.unshift(
			suggested === runId
				? "Reviewers saw this judge run's answers as pre-filled suggestions: their labels may be anchored toward it, so the agreement figures (and the estimate's correction) are likely too favourable to the judge."
				: `Reviewers saw another judge run's answers (run ${suggested}) as pre-filled suggestions: their labels may be anchored toward that judge.`
		);
	}

	if (frame.drawnFrom !== null && basis.rowsOfFrameNow !== frame.drawnFrom) {
		caveats.push(
			basis.rowsOfFrameNow < frame.drawnFrom
				? `The audit was drawn from ${frame.drawnFrom} row(s); ${frame.drawnFrom - basis.rowsOfFrameNow} of them have since left its population (deleted, or rejected by a filter run after the draw), so the estimate speaks about the ${basis.rowsOfFrameNow} that remain and the audited items among them.`
				: `The audit was drawn from ${frame.drawnFrom} row(s); ${basis.rowsOfFrameNow} of the rows there were then are in its population now (a filter run after the draw changed which rows it rejects), so the audit is not a simple random sample of today's population.`
		);
	}
	if (frame.addedAfter.size > 0) {
		caveats.push(
			`${frame.addedAfter.size} row(s) were added to the dataset after the audit was ${frame.imported ? 'imported' : 'drawn'}; the audit is not a sample of them, so the estimate speaks only about the rows there were then.`
		);
	}

	let units = basis.units;
	let subsetNote: string | null = null;
	if (options.rows) {
		const wanted = options.rows;
		let inside = 0;
		let split = false;
		units = units
			.map((u) => {
				const choices = u.choices.filter((id) => wanted.has(id));
				inside += choices.length;
				if (choices.length > 0 && choices.length < u.choices.length) split = true;
				return { ...u, choices };
			})
			.filter((u) => u.choices.length > 0);
		if (inside < wanted.size) {
			subsetNote = `${wanted.size - inside} of the ${wanted.size} selected rows lie outside the population audit ${auditId} sampled from (or were added after the audit was drawn or after the judge run started), so the audit says nothing about them and there is no estimate for the selection.`;
		} else if (split) {
			// The audit drew one row per task among all of the task's rows: restricted to some of
			// them, a task's chance of contributing an audited row depends on how many it keeps.
			subsetNote = 'The selection keeps some but not all rows of tasks that have several; the audit drew its row among all of them, so an estimate for the selection alone would be biased and is not given.';
		}
	}
	const populationRows = units.reduce((s, u) => s + u.choices.length, 0);
	let judgedRows = 0;
	let unparsedRows = 0;
	for (const u of units)
		for (const id of u.choices) {
			const l = labels.get(id);
			if (l) judgedRows++;
			if (l?.status === 'unparsed') unparsedRows++;
		}
	const population = { tasks: units.length, rows: populationRows, judgedRows, unparsedRows };

	let estimate: PpiEstimate | null = null;
	let tieRange: JudgeAuditCalibration['tieRange'] = null;
	let estimateNote: string | null = null;
	if (frame.unknown) {
		estimateNote = frame.unknown;
	} else if (subsetNote) {
		estimateNote = subsetNote;
	} else if (audit.instanceMode === 'all') {
		estimateNote = 'This audit showed every row of each sampled task (cluster sampling), which the whole-dataset estimate does not cover; audit one row per task.';
	} else if (audit.stratify !== 'none') {
		estimateNote = 'This audit is stratified, so it is not a simple random sample of the dataset; the whole-dataset estimate would need per-stratum weights and is not shown.';
	} else if (judgedRows < populationRows) {
		estimateNote = `The judge run has verdicts for ${judgedRows} of the ${populationRows} rows the audit sampled from; the whole-dataset estimate needs a verdict (or an unparsed record) for every one — judge the whole dataset.`;
	} else {
		const taskIndex = new Map(units.map((u, i) => [u.taskId, i]));
		const oneRowEach = units.every((u) => u.choices.length === 1);
		const estimateWith = (labelled: readonly { taskId: number; instanceId: number | null; allValid: boolean }[]): PpiEstimate => {
			if (oneRowEach) {
				const human = new Map<number, boolean>();
				for (const v of labelled) {
					const i = taskIndex.get(v.taskId);
					if (i !== undefined && units[i].choices[0] === v.instanceId) human.set(i, v.allValid);
				}
				return predictionPoweredRate(
					ppiInputFromRows(
						units.map((u) => allYes(labels.get(u.choices[0]))),
						human
					),
					interval
				);
			}
			const audited = new Map<number, { row: number; human: boolean }>();
			for (const v of labelled) {
				const i = taskIndex.get(v.taskId);
				if (i === undefined) continue;
				const row = units[i].choices.indexOf(v.instanceId!);
				if (row >= 0) audited.set(i, { row, human: v.allValid });
			}
			return predictionPoweredRate(
				ppiInputFromTasks(
					units.map((u) => u.choices.map((id) => allYes(labels.get(id)))),
					audited
				),
				interval
			);
		};
		const decidedLabels = decided.map((v) => ({ taskId: v.taskId, instanceId: v.instanceId, allValid: v.allValid! }));
		estimate = estimateWith(decidedLabels);
		// The audited items among the rows estimated (all of them, unless `rows` narrows the population).
		const rowsEstimated = new Set(units.flatMap((u) => u.choices));
		const inside = (v: ItemVerdict) => rowsEstimated.has(v.instanceId!);
		const tiedInside = tied.filter(inside);
		// Tied items carried as the audit's headline carries them: once as "no", once as "yes".
		if (tiedInside.length > 0) {
			const withTies = (allValid: boolean) => estimateWith([...decidedLabels, ...tiedInside.map((v) => ({ taskId: v.taskId, instanceId: v.instanceId, allValid }))]);
			tieRange = { tiedItems: tiedInside.length, tiesAsNo: withTies(false), tiesAsYes: withTies(true) };
			caveats.push(
				`${tiedInside.length} audited item(s) tied (the reviewers disagreed and nobody adjudicated, so no final label): the estimate is the range with them counted as "no" and as "yes", as the audit's headline; the figure with them left out is secondary.`
			);
		}
		const unlabelled = verdicts.filter(inside).length - decided.filter(inside).length - tiedInside.length;
		if (unlabelled > 0) caveats.push(`${unlabelled} audited item(s) have no label yet and are left out of the estimate.`);
	}
	return {
		mode: 'quality',
		auditId,
		run: runRef,
		items: verdicts.length,
		decidedItems: decided.length,
		// Judged: the run has its record, a readable verdict or not (as the rating and pairwise counts).
		judgedItems: verdicts.filter((v) => labels.has(v.instanceId!)).length,
		unreadableItems: verdicts.filter((v) => labels.get(v.instanceId!)?.status === 'unparsed').length,
		calibration,
		estimate,
		tieRange,
		tiedJudgedValid: tied.filter((v) => allYes(labels.get(v.instanceId!)) === true).length,
		estimateNote,
		population,
		caveats
	};
}
