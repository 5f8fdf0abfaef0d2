/**
 * The judge against the humans on one audit (docs/judge-design.md, "Calibration"): the audit's
 * final label per item (reports' itemVerdicts: adjudication, else majority, ties undecided)
 * joined to a judge run's label on the instance the item showed, passed to the pure
 * calibration ($lib/judge/calibration) and to the prediction-powered whole-dataset estimate
 * ($lib/stats/ppi). One function for the report page, `report --judge` and the API.
 */
import { qualityCalibration, type QualityAnswers, type QualityCalibration } from '$lib/judge';
import { predictionPoweredRate, ppiInputFromRows, ppiInputFromTasks, type PpiEstimate } from '$lib/stats/ppi';
import { db, type Db } from '../db';
import { loadQualityUnits } from '../audits/create';
import { itemVerdicts } from '../reports/reports';
import { ReportError } from '../reports/errors';
import { readJudgeParams, type JudgeSelection } from '../runs/judge/params';

export interface JudgeRunRef {
	id: number;
	name: string;
	model: string;
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

export interface JudgeAuditCalibration {
	auditId: number;
	run: JudgeRunRef;
	/** Sampled audit items (gold left out), those with a decided final "all valid", and those the run has a label for. */
	items: number;
	decidedItems: number;
	judgedItems: number;
	/** Per question and all valid: agreement, κ, confusion, sensitivity, specificity, precision. */
	calibration: QualityCalibration;
	/** The whole-dataset correctness ("all three questions yes") by PPI++, with the human-only rate inside; null with `estimateNote` when it cannot be computed. */
	estimate: PpiEstimate | null;
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
	const row = database.$client.prepare("SELECT id, name, model, status, dataset_id, params FROM generation_runs WHERE id = ? AND pipeline = 'judge'").get(runId) as
		| { id: number; name: string; model: string; status: string; dataset_id: number | null; params: string }
		| undefined;
	if (!row) throw new ReportError(`There is no judge run ${runId}.`, 404);
	const params = readJudgeParams(JSON.parse(row.params));
	const step = params.steps['judge/quality'];
	const counts = database.$client
		.prepare("SELECT sum(status = 'parsed') AS parsed, sum(status = 'unparsed') AS unparsed FROM judge_labels WHERE run_id = ?")
		.get(runId) as { parsed: number | null; unparsed: number | null };
	const target = database.$client.prepare('SELECT target FROM generation_runs WHERE id = ?').pluck().get(runId) as number;
	return {
		id: row.id,
		name: row.name,
		model: row.model,
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

/** Judge runs with a label on at least one of the audit's sampled items, newest first. */
export function overlappingJudgeRuns(auditId: number, database: Db = db()): { id: number; name: string; model: string; status: string }[] {
	return database.$client
		.prepare(
			`SELECT r.id, r.name, r.model, r.status FROM generation_runs r
			 WHERE r.pipeline = 'judge' AND EXISTS (
				SELECT 1 FROM judge_labels l JOIN audit_items a ON a.instance_id = l.instance_id
				WHERE l.run_id = r.id AND a.audit_id = ? AND a.is_gold = 0)
			 ORDER BY r.id DESC`
		)
		.all(auditId) as { id: number; name: string; model: string; status: string }[];
}

/** Judge runs of the audit's dataset (whether or not they have reached its items yet), newest first. */
export function judgeRunsOfDataset(datasetId: number, database: Db = db()): { id: number; name: string; model: string; status: string }[] {
	return database.$client
		.prepare("SELECT id, name, model, status FROM generation_runs WHERE pipeline = 'judge' AND dataset_id = ? ORDER BY id DESC")
		.all(datasetId) as { id: number; name: string; model: string; status: string }[];
}

export function judgeAuditCalibration(auditId: number, runId: number, options: { confidence?: number } = {}, database: Db = db()): JudgeAuditCalibration {
	const c = database.$client;
	const audit = c.prepare('SELECT id, dataset_id AS datasetId, kind, instance_mode AS instanceMode, stratify, include_rejected AS includeRejected FROM audits WHERE id = ? AND status <> \'preparing\'').get(auditId) as
		| { id: number; datasetId: number; kind: string; instanceMode: string; stratify: string; includeRejected: number }
		| undefined;
	if (!audit) throw new ReportError(`No audit ${auditId}.`, 404);
	if (audit.kind !== 'quality') throw new ReportError('Judge calibration is for quality audits (the three questions); this is a rating audit.');
	const run = judgeRunRef(runId, database);
	if (run.datasetId !== audit.datasetId) throw new ReportError(`Judge run ${runId} judged another dataset than audit ${auditId}.`);
	const { datasetId: _d, upToInstanceId, ...runRef } = run;
	void _d;

	const labels = new Map(
		(c.prepare('SELECT instance_id, status, instruction_valid AS i, input_valid AS n, output_valid AS o FROM judge_labels WHERE run_id = ?').all(runId) as LabelRow[]).map(
			(l) => [l.instance_id, l]
		)
	);
	const verdicts = itemVerdicts(auditId, {}, database).filter((v) => !v.isGold && v.instanceId !== null);
	const rows = verdicts.map((v) => ({
		judge: answers(labels.get(v.instanceId!)),
		human: v.basis === 'none' ? null : { instruction: v.instructionValid, input: v.inputValid, output: v.outputValid }
	}));
	const calibration = qualityCalibration(rows, options);
	const decided = verdicts.filter((v) => v.allValid !== null);
	const caveats = [
		'The audit must be a simple random sample of the rows the estimate speaks about; items whose reviewers tied have no final label and are left out.',
		'Rows without a readable judge verdict count as "no" in the estimate (any fixed rule keeps it valid: the audit measures the judge as applied) and are left out of the agreement figures.'
	];

	// The population the audit sampled from (as far as the judge run existed then).
	const units = loadQualityUnits(audit.datasetId, audit.includeRejected === 1, database)
		.map((u) => ({ ...u, choices: u.choices.filter((id) => id <= upToInstanceId) }))
		.filter((u) => u.choices.length > 0);
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
	let estimateNote: string | null = null;
	if (audit.instanceMode === 'all') {
		estimateNote = 'This audit showed every row of each sampled task (cluster sampling), which the whole-dataset estimate does not cover; audit one row per task.';
	} else if (audit.stratify !== 'none') {
		estimateNote = 'This audit is stratified, so it is not a simple random sample of the dataset; the whole-dataset estimate would need per-stratum weights and is not shown.';
	} else if (judgedRows < populationRows) {
		estimateNote = `The judge run has verdicts for ${judgedRows} of the ${populationRows} rows the audit sampled from; the whole-dataset estimate needs a verdict (or an unparsed record) for every one — judge the whole dataset.`;
	} else {
		const taskIndex = new Map(units.map((u, i) => [u.taskId, i]));
		const oneRowEach = units.every((u) => u.choices.length === 1);
		if (oneRowEach) {
			const human = new Map<number, boolean>();
			for (const v of decided) {
				const i = taskIndex.get(v.taskId);
				if (i !== undefined && units[i].choices[0] === v.instanceId) human.set(i, v.allValid!);
			}
			estimate = predictionPoweredRate(
				ppiInputFromRows(
					units.map((u) => allYes(labels.get(u.choices[0]))),
					human
				),
				options
			);
		} else {
			const audited = new Map<number, { row: number; human: boolean }>();
			for (const v of decided) {
				const i = taskIndex.get(v.taskId);
				if (i === undefined) continue;
				const row = units[i].choices.indexOf(v.instanceId!);
				if (row >= 0) audited.set(i, { row, human: v.allValid! });
			}
			estimate = predictionPoweredRate(
				ppiInputFromTasks(
					units.map((u) => u.choices.map((id) => allYes(labels.get(id)))),
					audited
				),
				options
			);
		}
		if (decided.length < verdicts.length) caveats.push(`${verdicts.length - decided.length} audited item(s) have no decided final label (ties or unlabelled) and are left out of the estimate.`);
	}
	return {
		auditId,
		run: runRef,
		items: verdicts.length,
		decidedItems: decided.length,
		judgedItems: verdicts.filter((v) => labels.has(v.instanceId!)).length,
		calibration,
		estimate,
		estimateNote,
		population,
		caveats
	};
}
