import { randomBytes, randomInt } from 'node:crypto';
import { unknownModelsMessage } from '$lib/audits/model-names';
import { db, transaction, type Db } from '../db';
import { bulkPause, bulkWriteBudget, retryBulkWhenBusy } from '../db/busy';
import { preparingOwner, removePreparingAudit } from './preparing';
import { CONVERSATION_UNITS, ROUTING_ORDERS, type ConversationUnit, type Audit, type AuditStratum, type AuditKind, type InstanceMode, type RoutingOrder, type Stratification } from '../db/tables';
import { DEFAULT_QUALIFICATION_ACCURACY, assertQualificationRule } from '../../audits/qualification';
import {
	classificationStrataOf,
	compareVerdictStrata,
	drawSample,
	stratumOf,
	verdictStratum,
	verdictStratumLabel,
	DEFAULT_SAMPLE_SIZE,
	type SamplingFrame,
	type SamplingUnit,
	type Stratum,
	type UnitChoice,
	excludeChoices
} from '../../audits/sampling';
import { hash32 } from '../../audits/random';
import type { GoldSpec } from '../../audits/gold';
import { MAX_GUIDELINES_LENGTH } from '../../audits/guidelines';
import { AuditError } from './errors';
import { checkSuggestionRun } from './suggestions';
import { buildResponsePairs } from '../datasets/response-pairs';
import { receivingImport } from '../datasets/datasets';

export const DEFAULT_OVERLAP = 1;
export const MAX_OVERLAP = 10;
/** A lease lapses after this much idle time unless the audit says otherwise. */
export const DEFAULT_LEASE_MINUTES = 30;
export const MAX_SAMPLE_SIZE = 100_000;
export const MAX_GOLD_RATE = 0.5;

export interface CreateAuditInput {
	datasetId: number;
	kind: AuditKind;
	name?: string;
	/** Instructions to draw (default 200, as both papers). */
	sampleSize?: number;
	/** Default: a random seed, recorded so the sample can be drawn again. */
	seed?: number;
	instanceMode?: InstanceMode;
	stratify?: Stratification;
	/** Also sample rows the automatic filters rejected (default: no). */
	includeRejected?: boolean;
	/**
	 * stratify 'verdict': rows to draw from each verdict stratum ('kept', 'rejected:<rule>', or just
	 * the rule's name); strata not named get none. The sample size is their sum.
	 */
	strataSizes?: Record<string, number>;
	/** Rating audits: models whose responses are rated (default: every model in the dataset). */
	models?: string[];
	/** Conversation audits: judge each assistant reply ('turn', default) or the conversation as a whole. */
	conversationUnit?: ConversationUnit;
	/**
	 * Pairwise audits: build the pairs from the dataset's own responses of these two models (one
	 * pair per prompt both answered; see buildResponsePairs) and sample only those pairs. Default:
	 * every preference pair of the dataset (imported comparison data, pairs built earlier).
	 */
	pairModels?: [string, string];
	overlap?: number;
	reviewerIds: number[];
	blind?: boolean;
	leaseMinutes?: number;
	guidelines?: string;
	gold?: GoldSpec[];
	goldRate?: number;
	/** breadth (default): every item's first label before any second; depth: fill each item to k first (pilot). */
	routing?: RoutingOrder;
	/** Qualification: each reviewer's first N items are gold (default 0: none)… */
	qualificationItems?: number;
	/** …and their labels count once their gold accuracy reaches this share (default 0.8). */
	qualificationAccuracy?: number;
	/**
	 * Quality audits, off by default (suggestions anchor reviewers): a quality judge run over the
	 * dataset whose parsed verdicts pre-fill the three answers as a labelled suggestion.
	 */
	suggestionRunId?: number | null;
	createdBy?: number | null;
}

interface ResponseRow {
	id: number;
	taskId: number;
	instanceId: number | null;
	model: string;
}

/** What can be sampled from a dataset, and how it splits. */
export interface SamplePreview {
	/** Quality audits: rows per filter verdict (kept, each rule's rejected), for verdict stratification. */
	verdictStrata: { key: string; label: string; population: number }[];
	instructions: number;
	strata: Record<Stratum, number>;
	/** Quality: instances eligible; rating: response groups (task × instance). */
	units: number;
	models: { model: string; responses: number }[];
}

function rejectedFilter(includeRejected: boolean, alias: string): string {
	return includeRejected ? '' : `AND (${alias}.filter_status IS NULL OR ${alias}.filter_status <> 'rejected')`;
}

/** Whether any automatic filter has judged a row of the dataset (what "rows the filters rejected were left out" needs to be true). */
function filtersHaveJudged(datasetId: number, database: Db): boolean {
	return (
		database.$client
			.prepare<[number, number], number>(
				`SELECT EXISTS (SELECT 1 FROM tasks WHERE dataset_id = ? AND filter_status IS NOT NULL)
					OR EXISTS (SELECT 1 FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? AND i.filter_status IS NOT NULL)`
			)
			.pluck()
			.get(datasetId, datasetId) === 1
	);
}

/**
 * Verdict stratification: one unit per row (instance) the filters judged, with its stratum
 * (src/lib/audits/sampling: verdictStratum). Seed tasks and unfiltered rows belong to no stratum.
 */
function loadVerdictUnits(datasetId: number, database: Db): SamplingUnit[] {
	const rows = database.$client
		.prepare<[number], [number, number | null, number, string | null, string | null, string | null, string | null]>(
			`SELECT t.id, t.is_classification, i.id, t.filter_status, t.filter_rule, i.filter_status, i.filter_rule
			 FROM tasks t JOIN instances i ON i.task_id = t.id
			 WHERE t.dataset_id = ? AND (t.filter_status IS NOT NULL OR i.filter_status IS NOT NULL)
			 ORDER BY t.id, i.id`
		)
		.raw()
		.all(datasetId);
	const units: SamplingUnit[] = [];
	for (const [taskId, cls, instanceId, ts, tr, is, ir] of rows) {
		const stratum = verdictStratum({ status: ts, rule: tr }, { status: is, rule: ir });
		if (stratum) units.push({ taskId, isClassification: cls === null ? null : cls === 1, choices: [instanceId], stratum });
	}
	return units;
}

/** Rows per verdict stratum, kept first, then the rules in pipeline order. */
export function verdictStrataOf(units: readonly SamplingUnit[]): { key: string; label: string; population: number }[] {
	const counts = new Map<string, number>();
	for (const u of units) if (u.stratum) counts.set(u.stratum, (counts.get(u.stratum) ?? 0) + 1);
	return [...counts.keys()].sort(compareVerdictStrata).map((key) => ({ key, label: verdictStratumLabel(key), population: counts.get(key)! }));
}

export function loadQualityUnits(datasetId: number, includeRejected: boolean, database: Db): SamplingUnit[] {
	const rows = database.$client
		.prepare<[number], [number, number | null, number]>(
			`SELECT t.id AS taskId, t.is_classification AS cls, i.id AS instanceId
			 FROM tasks t JOIN instances i ON i.task_id = t.id
			 WHERE t.dataset_id = ? ${rejectedFilter(includeRejected, 't')} ${rejectedFilter(includeRejected, 'i')}
			 ORDER BY t.id, i.id`
		)
		.raw()
		.all(datasetId);
	const units: SamplingUnit[] = [];
	for (const [taskId, cls, instanceId] of rows) {
		const last = units[units.length - 1];
		if (last?.taskId === taskId) last.choices.push(instanceId);
		else units.push({ taskId, isClassification: cls === null ? null : cls === 1, choices: [instanceId] });
	}
	return units;
}

/** Conversation audits: each task's conversations (a task is a first user turn; most have one). */
function loadConversationUnits(datasetId: number, includeRejected: boolean, database: Db): SamplingUnit[] {
	const rows = database.$client
		.prepare<[number], [number, number | null, number]>(
			`SELECT t.id AS taskId, t.is_classification AS cls, c.id AS conversationId
			 FROM tasks t JOIN conversations c ON c.task_id = t.id
			 WHERE t.dataset_id = ? ${rejectedFilter(includeRejected, 't')}
			   AND EXISTS (SELECT 1 FROM conversation_turns u WHERE u.conversation_id = c.id AND u.role = 'assistant')
			 ORDER BY t.id, c.id`
		)
		.raw()
		.all(datasetId);
	return groupUnits(rows);
}

/** Pairwise audits: each task's preference pairs (only those between two given models, when given). */
function loadPairUnits(datasetId: number, includeRejected: boolean, database: Db, models?: readonly [string, string]): SamplingUnit[] {
	const between = models
		? `AND EXISTS (SELECT 1 FROM responses a, responses b WHERE a.id = p.response_a_id AND b.id = p.response_b_id
				AND ((a.model = ? AND b.model = ?) OR (a.model = ? AND b.model = ?)))`
		: '';
	const rows = database.$client
		.prepare<unknown[], [number, number | null, number]>(
			`SELECT t.id AS taskId, t.is_classification AS cls, p.id AS pairId
			 FROM tasks t JOIN preference_pairs p ON p.task_id = t.id
			 WHERE t.dataset_id = ? ${rejectedFilter(includeRejected, 't')} ${between}
			 ORDER BY t.id, p.id`
		)
		.raw()
		.all(datasetId, ...(models ? [models[0], models[1], models[1], models[0]] : []));
	return groupUnits(rows);
}

function groupUnits(rows: [number, number | null, number][]): SamplingUnit[] {
	const units: SamplingUnit[] = [];
	for (const [taskId, cls, choice] of rows) {
		const last = units[units.length - 1];
		if (last?.taskId === taskId) last.choices.push(choice);
		else units.push({ taskId, isClassification: cls === null ? null : cls === 1, choices: [choice] });
	}
	return units;
}

/** Rating: responses of the chosen models grouped by (task, instance); one response per model per group. */
function loadRatingGroups(datasetId: number, models: string[], includeRejected: boolean, database: Db) {
	const rows = database.$client
		.prepare<[number, string], ResponseRow & { cls: number | null }>(
			`SELECT r.id, r.task_id AS taskId, r.instance_id AS instanceId, r.model, t.is_classification AS cls
			 FROM responses r JOIN tasks t ON t.id = r.task_id
			 WHERE r.dataset_id = ? AND r.model IN (SELECT value FROM json_each(?)) ${rejectedFilter(includeRejected, 't')}
			 ORDER BY r.task_id, r.instance_id, r.model, r.id`
		)
		.all(datasetId, JSON.stringify(models));
	const groups = new Map<number, Map<number, ResponseRow[]>>();
	const units = new Map<number, SamplingUnit>();
	for (const row of rows) {
		const key = row.instanceId ?? 0;
		let byInstance = groups.get(row.taskId);
		if (!byInstance) groups.set(row.taskId, (byInstance = new Map()));
		let group = byInstance.get(key);
		if (!group) {
			byInstance.set(key, (group = []));
			let unit = units.get(row.taskId);
			if (!unit) units.set(row.taskId, (unit = { taskId: row.taskId, isClassification: row.cls === null ? null : row.cls === 1, choices: [] }));
			unit.choices.push(key);
		}
		// The first response of a model for this task and instance is the one rated.
		if (!group.some((r) => r.model === row.model)) group.push({ id: row.id, taskId: row.taskId, instanceId: row.instanceId, model: row.model });
	}
	return { units: [...units.values()], groups };
}

export function datasetModels(datasetId: number, database: Db = db()): { model: string; responses: number }[] {
	return database.$client
		.prepare<[number], { model: string; responses: number }>('SELECT model, count(*) AS responses FROM responses WHERE dataset_id = ? GROUP BY model ORDER BY model')
		.all(datasetId);
}

export function previewSample(
	datasetId: number,
	options: { kind: AuditKind; includeRejected?: boolean; models?: string[] },
	database: Db = db()
): SamplePreview {
	const models = datasetModels(datasetId, database);
	const chosen = options.models?.length ? options.models : models.map((m) => m.model);
	const units =
		options.kind === 'quality'
			? loadQualityUnits(datasetId, !!options.includeRejected, database)
			: options.kind === 'conversation'
				? loadConversationUnits(datasetId, !!options.includeRejected, database)
				: options.kind === 'pairwise'
					? loadPairUnits(datasetId, !!options.includeRejected, database)
					: loadRatingGroups(datasetId, chosen, !!options.includeRejected, database).units;
	const strata: Record<Stratum, number> = { classification: 0, 'non-classification': 0, unknown: 0 };
	for (const u of units) strata[stratumOf(u.isClassification)]++;
	const verdictStrata = options.kind === 'quality' ? verdictStrataOf(loadVerdictUnits(datasetId, database)) : [];
	return { verdictStrata, instructions: units.length, strata, units: units.reduce((s, u) => s + u.choices.length, 0), models };
}

function intIn(value: number | undefined, fallback: number, min: number, max: number, field: string, what: string): number {
	const v = value ?? fallback;
	if (!Number.isInteger(v) || v < min || v > max) throw new AuditError(`${what} must be a whole number from ${min} to ${max}.`, 400, 'invalid', field);
	return v;
}

export function newItemRef(): string {
	return randomBytes(9).toString('base64url');
}

/** Where a reviewer enters the audit's random order: fixed per audit and reviewer. */
export function orderSalt(auditId: number, userId: number, seed: number): number {
	return hash32(auditId, userId, seed);
}

/** Active accounts for these ids; throws naming the first that is unknown or disabled. */
export function activeUsers(userIds: number[], database: Db): { id: number; email: string }[] {
	const rows = database.$client
		.prepare<[string], { id: number; email: string; disabledAt: number | null }>('SELECT id, email, disabled_at AS disabledAt FROM users WHERE id IN (SELECT value FROM json_each(?))')
		.all(JSON.stringify(userIds));
	for (const id of userIds) {
		const row = rows.find((r) => r.id === id);
		if (!row) throw new AuditError(`No account with id ${id}.`, 400, 'invalid', 'reviewers');
		if (row.disabledAt) throw new AuditError(`The account ${row.email} is disabled.`, 400, 'invalid', 'reviewers');
	}
	return rows;
}

export interface PlannedItem {
	taskId: number;
	instanceId: number | null;
	/** A classification stratum, a verdict stratum, or null. */
	stratum: string | null;
	shuffleKey: number;
	responses: ResponseRow[];
	conversationId?: number | null;
	pairId?: number | null;
	gold?: GoldSpec;
}

/** A drawn sample and the audit's settings, checked, ready to be written. */
interface AuditPlan {
	dataset: { id: number; name: string };
	kind: AuditKind;
	name: string;
	sampleSize: number;
	seed: number;
	instanceMode: InstanceMode;
	stratify: Stratification;
	includeRejected: boolean;
	models: string[] | null;
	overlap: number;
	blind: boolean;
	leaseMinutes: number;
	guidelines: string;
	goldRate: number;
	reviewerIds: number[];
	planned: PlannedItem[];
	goldItems: PlannedItem[];
	routing: RoutingOrder;
	qualification: { items: number; accuracy: number };
	strata: AuditStratum[] | null;
	samplingFrame: SamplingFrame;
	conversationUnit: ConversationUnit;
	suggestionRunId: number | null;
	createdBy: number | null;
	now: number;
}

/**
 * Draws the sample (see src/lib/audits/sampling.ts for the algorithm) and creates the audit, its
 * reviewers, items and gold items in one transaction. For small audits and tests; the pages and
 * the CLI use createAuditInBatches, which keeps each write short whatever the sample's size.
 */
export function createAudit(input: CreateAuditInput, database: Db = db()): Audit {
	return writeWholeAudit(planAudit(input, database), database);
}

/** A planned audit written in one transaction, open at once: its row, reviewers, items and gold items. */
function writeWholeAudit(plan: AuditPlan, database: Db): Audit {
	return transaction(
		database,
		() => {
			const id = insertAuditRow(plan, 'open', database);
			insertReviewers(plan, id, database);
			insertItems(database, id, plan.planned, 0, plan.createdBy, plan.now);
			insertItems(database, id, plan.goldItems, plan.planned.length, plan.createdBy, plan.now);
			return database.query.audits.findFirst({ where: (a, { eq }) => eq(a.id, id) }).sync()!;
		},
		'create audit'
	);
}

/** Items per write transaction of a batched audit creation (a time cap may end a batch sooner). */
export const AUDIT_BATCH_ITEMS = 2000;
/** The longest one batch goes on inserting items before it commits (ms). */
const AUDIT_BATCH_MAX_WRITE_MS = 50;
/** The pause between two batches, with the write lock free for others. */
const AUDIT_BATCH_PAUSE_MS = 10;

/**
 * Creates an audit as createAudit does, but an audit of more than `batchItems` items is written
 * in short transactions: first the audit row as 'preparing' (no reviewers, hidden from every list,
 * page, report and export), then its items a batch at a time, and in the last transaction its
 * reviewers, with the status flipped to 'open'. A failure removes what was written; a process
 * killed meanwhile leaves a preparing audit that the next start removes (removeLeftoverAudits).
 */
export async function createAuditInBatches(
	input: CreateAuditInput,
	database: Db = db(),
	options: { batchItems?: number; afterBatch?: (written: number) => void | Promise<void>; signal?: AbortSignal } = {}
): Promise<Audit> {
	const plan = planAudit(input, database);
	const batchItems = options.batchItems ?? AUDIT_BATCH_ITEMS;
	const items = [...plan.planned, ...plan.goldItems];
	if (items.length <= batchItems) {
		return retryBulkWhenBusy(database.$client, () => writeWholeAudit(plan, database));
	}
	const id = await retryBulkWhenBusy(database.$client, () => transaction(database, () => insertAuditRow(plan, 'preparing', database), 'create audit'));
	try {
		let written = 0;
		while (written < items.length) {
			// Ctrl-C on the CLI: stops between batches, and the catch below removes what was written.
			options.signal?.throwIfAborted();
			written = await retryBulkWhenBusy(database.$client, () =>
					transaction(
						database,
						() => {
							const spent = bulkWriteBudget(database.$client, AUDIT_BATCH_MAX_WRITE_MS);
							let at = written;
							const end = Math.min(items.length, written + batchItems);
							while (at < end) {
								const next = Math.min(end, at + 100);
								// The sample then the gold items: an item's index is its position, as createAudit numbers them.
								insertItems(database, id, items.slice(at, next), at, plan.createdBy, plan.now);
								at = next;
								if (spent()) break;
							}
							database.$client.prepare<[number, number]>('UPDATE audits SET prepare_heartbeat_at = ? WHERE id = ?').run(Date.now(), id);
							return at;
						},
						'create audit'
					));
			await options.afterBatch?.(written);
			await bulkPause(database.$client, AUDIT_BATCH_PAUSE_MS);
		}
		return await retryBulkWhenBusy(database.$client, () =>
				transaction(
					database,
					() => {
						insertReviewers(plan, id, database);
						database.$client
							.prepare<[number]>(`UPDATE audits SET status = 'open', prepare_owner = NULL, prepare_heartbeat_at = NULL WHERE id = ? AND status = 'preparing'`)
							.run(id);
						return database.query.audits.findFirst({ where: (a, { eq }) => eq(a.id, id) }).sync()!;
					},
					'create audit'
				));
	} catch (err) {
		try {
			await removePreparingAudit(id, database);
		} catch (cleanup) {
			console.error('Removing the unfinished audit failed (the next start removes it):', cleanup);
		}
		throw err;
	}
}

function insertAuditRow(plan: AuditPlan, status: 'preparing' | 'open', database: Db): number {
	const row = database.$client
		.prepare<[number, string, string, string, number, number, string, string, number, string | null, number, number, number, string, number, number, number, number | null, number, string, number, number, string | null, string, string | null, number | null, number | null, string], { id: number }>(
			`INSERT INTO audits (dataset_id, name, kind, status, sample_size, seed, instance_mode, stratify, include_rejected,
				models, overlap, blind, lease_seconds, guidelines, gold_rate, item_count, gold_count, created_by, created_at,
				routing, qualification_items, qualification_accuracy, strata, conversation_unit, prepare_owner, prepare_heartbeat_at, suggestion_run_id, sampling_frame)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		)
		.get(
			plan.dataset.id, plan.name, plan.kind, status, plan.sampleSize, plan.seed, plan.instanceMode, plan.stratify, plan.includeRejected ? 1 : 0,
			plan.models ? JSON.stringify(plan.models) : null, plan.overlap, plan.blind ? 1 : 0, plan.leaseMinutes * 60, plan.guidelines,
			plan.goldItems.length ? plan.goldRate : 0, plan.planned.length, plan.goldItems.length, plan.createdBy, plan.now,
			plan.routing, plan.qualification.items, plan.qualification.accuracy, plan.strata ? JSON.stringify(plan.strata) : null, plan.conversationUnit,
			status === 'preparing' ? preparingOwner() : null, status === 'preparing' ? Date.now() : null, plan.suggestionRunId, JSON.stringify(plan.samplingFrame)
		)!;
	return row.id;
}

function insertReviewers(plan: AuditPlan, auditId: number, database: Db): void {
	const addReviewer = database.$client.prepare<[number, number, number, number]>('INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at) VALUES (?, ?, ?, ?)');
	for (const userId of plan.reviewerIds) addReviewer.run(auditId, userId, orderSalt(auditId, userId, plan.seed), plan.now);
}

/** Draws the sample and checks every setting; writes nothing. */
function planAudit(input: CreateAuditInput, database: Db): AuditPlan {
	const kind = input.kind;
	if (kind !== 'quality' && kind !== 'rating' && kind !== 'conversation' && kind !== 'pairwise') throw new AuditError('Choose the kind of audit.', 400, 'invalid', 'kind');
	const dataset = database.$client.prepare<[number], { id: number; name: string; archivedAt: number | null }>("SELECT id, name, archived_at AS archivedAt FROM datasets WHERE id = ? AND status = 'ready'").get(input.datasetId);
	if (!dataset) {
		const busy = receivingImport({ id: input.datasetId }, database);
		throw new AuditError(busy ?? 'No such dataset.', busy ? 409 : 400, busy ? 'busy' : 'invalid', 'dataset');
	}
	if (dataset.archivedAt !== null) throw new AuditError(`Dataset "${dataset.name}" is archived; restore it before auditing it.`, 409, 'archived', 'dataset');
	const suggestionRunId =
		input.suggestionRunId === undefined || input.suggestionRunId === null ? null : checkSuggestionRun(input.suggestionRunId, kind, dataset.id, database);

	const stratify = input.stratify ?? 'none';
	if (stratify === 'verdict' && kind !== 'quality') throw new AuditError('Stratifying by filter verdict is for data-quality audits.', 400, 'invalid', 'stratify');
	// Said here, in the form's order (before the reviewers), though the strata are chosen once gold is known.
	if (stratify === 'verdict' && input.strataSizes && Object.keys(input.strataSizes).length && Object.values(input.strataSizes).every((n) => n === 0)) throw new AuditError(NO_STRATUM_SIZE, 400, 'invalid', 'strata');
	const seed = input.seed ?? randomInt(1, 2 ** 31);
	if (!Number.isSafeInteger(seed) || seed < 0) throw new AuditError('The seed must be a whole number ≥ 0.', 400, 'invalid', 'seed');
	const overlap = intIn(input.overlap, DEFAULT_OVERLAP, 1, MAX_OVERLAP, 'overlap', 'The overlap');
	const leaseMinutes = intIn(input.leaseMinutes, DEFAULT_LEASE_MINUTES, 1, 24 * 60, 'leaseMinutes', 'The lease time (minutes)');
	// Verdict strata draw rows (one instance each) and include the rejected ones by design.
	const instanceMode = stratify === 'verdict' ? 'one' : (input.instanceMode ?? 'one');
	const includeRejected = stratify === 'verdict' ? true : !!input.includeRejected;
	const guidelines = (input.guidelines ?? '').trim();
	if (guidelines.length > MAX_GUIDELINES_LENGTH) throw new AuditError('The guidelines are too long.', 400, 'invalid', 'guidelines');
	const gold = input.gold ?? [];
	const goldRate = input.goldRate ?? (gold.length ? 0.1 : 0);
	if (!(goldRate >= 0 && goldRate <= MAX_GOLD_RATE)) throw new AuditError(`The gold rate must be between 0 and ${MAX_GOLD_RATE * 100}%.`, 400, 'invalid', 'goldRate');
	if (gold.some((g) => g.kind !== kind)) throw new AuditError('Gold answers must match the kind of audit.', 400, 'invalid', 'gold');
	const conversationUnit = input.conversationUnit ?? 'turn';
	if (!CONVERSATION_UNITS.includes(conversationUnit)) throw new AuditError('A conversation is judged per turn or as a whole (turn or conversation).', 400, 'invalid', 'conversationUnit');
	if (input.conversationUnit && input.conversationUnit !== 'turn' && kind !== 'conversation') {
		throw new AuditError('Judging whole conversations is an option of conversation audits.', 400, 'invalid', 'conversationUnit');
	}
	const pairModels = input.pairModels;
	if (pairModels) {
		if (kind !== 'pairwise') throw new AuditError('Building pairs from two models is an option of pairwise audits.', 400, 'invalid', 'pairModels');
		if (pairModels.length !== 2 || !pairModels[0]?.trim() || !pairModels[1]?.trim() || pairModels[0] === pairModels[1]) {
			throw new AuditError('Name two different models to pair.', 400, 'invalid', 'pairModels');
		}
	}

	const reviewerIds = [...new Set(input.reviewerIds)];
	if (reviewerIds.length < overlap) {
		throw new AuditError(`An overlap of ${overlap} needs at least ${overlap} reviewer${overlap === 1 ? '' : 's'}.`, 400, 'invalid', 'reviewers');
	}
	activeUsers(reviewerIds, database);

	let models: string[] | null = null;
	if (kind === 'rating') {
		const available = datasetModels(dataset.id, database).map((m) => m.model);
		models = input.models?.length ? [...new Set(input.models)] : available;
		const unknown = models.filter((m) => !available.includes(m));
		if (unknown.length) throw new AuditError(unknownModelsMessage(unknown, available), 400, 'invalid', 'models');
		if (!models.length) throw new AuditError('A rating audit needs model responses; this dataset has none.', 400, 'invalid', 'models');
		models.sort();
	}
	// Pairs from the dataset's own responses are built (or found, if built before) first.
	if (kind === 'pairwise' && pairModels) buildResponsePairs(dataset.id, pairModels, database);
	const goldItems = resolveGold(dataset.id, gold, models, includeRejected, seed, database, pairModels);
	// Gold items are left out of the sampling frame: a reviewer meeting the same instance (pair,
	// conversation) as a sampled item too could repeat the earlier answer, and spot the gold one.
	let goldExcluded = 0;
	const leaveOut = (units: readonly SamplingUnit[]) => {
		const left = excludeChoices(units, goldItems.map(goldChoice));
		goldExcluded = left.excluded;
		return left.units;
	};
	let strata: AuditStratum[] | null = null;
	let verdictUnits: SamplingUnit[] = [];
	if (stratify === 'verdict') {
		verdictUnits = leaveOut(loadVerdictUnits(dataset.id, database));
		strata = chooseStrata(verdictStrataOf(verdictUnits), input.strataSizes ?? {});
	}
	const sampleSize = strata
		? strata.reduce((sum, s) => sum + s.size, 0)
		: intIn(input.sampleSize, DEFAULT_SAMPLE_SIZE, 1, MAX_SAMPLE_SIZE, 'sampleSize', 'The sample size');

	const planned: PlannedItem[] = [];
	let frame: readonly SamplingUnit[] = [];
	if (kind === 'quality') {
		const units = strata ? verdictUnits : leaveOut(loadQualityUnits(dataset.id, includeRejected, database));
		frame = units;
		const sizes = strata?.map((s) => ({ key: s.key, size: s.size }));
		for (const s of drawSample(units, { size: sampleSize, seed, instanceMode, stratify, strata: sizes })) {
			planned.push({ taskId: s.taskId, instanceId: s.choice, stratum: s.stratum, shuffleKey: s.shuffleKey, responses: [] });
		}
	} else if (kind === 'conversation') {
		const units = leaveOut(loadConversationUnits(dataset.id, includeRejected, database));
		frame = units;
		for (const s of drawSample(units, { size: sampleSize, seed, instanceMode, stratify })) {
			planned.push({ taskId: s.taskId, instanceId: null, stratum: s.stratum, shuffleKey: s.shuffleKey, responses: [], conversationId: s.choice });
		}
	} else if (kind === 'pairwise') {
		const units = leaveOut(loadPairUnits(dataset.id, includeRejected, database, pairModels));
		frame = units;
		const pairResponses = database.$client.prepare<[number], { aId: number; aModel: string; bId: number; bModel: string; instanceId: number | null }>(
			`SELECT a.id AS aId, a.model AS aModel, b.id AS bId, b.model AS bModel, p.instance_id AS instanceId
			 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id WHERE p.id = ?`
		);
		const seen = new Set<string>();
		for (const s of drawSample(units, { size: sampleSize, seed, instanceMode, stratify })) {
			const r = pairResponses.get(s.choice)!;
			seen.add(r.aModel).add(r.bModel);
			planned.push({
				taskId: s.taskId,
				instanceId: r.instanceId,
				stratum: s.stratum,
				shuffleKey: s.shuffleKey,
				pairId: s.choice,
				responses: [
					{ id: r.aId, taskId: s.taskId, instanceId: r.instanceId, model: r.aModel },
					{ id: r.bId, taskId: s.taskId, instanceId: r.instanceId, model: r.bModel }
				]
			});
		}
		models = [...seen].sort();
	} else {
		const { units: all, groups } = loadRatingGroups(dataset.id, models!, includeRejected, database);
		const units = leaveOut(all);
		frame = units;
		for (const s of drawSample(units, { size: sampleSize, seed, instanceMode, stratify })) {
			const responses = groups.get(s.taskId)!.get(s.choice)!;
			planned.push({ taskId: s.taskId, instanceId: s.choice || null, stratum: s.stratum, shuffleKey: s.shuffleKey, responses });
		}
	}
	// A frame too small for the asked size: how many units the filters' rejections kept out of it, which the
	// "only N to draw from" note names (the rows are there; --include-rejected would have drawn them too).
	let rejectedExcluded = 0;
	if (!strata && !includeRejected && sampleSize > frame.length) {
		const withRejected =
			kind === 'quality'
				? loadQualityUnits(dataset.id, true, database)
				: kind === 'conversation'
					? loadConversationUnits(dataset.id, true, database)
					: kind === 'pairwise'
						? loadPairUnits(dataset.id, true, database, pairModels)
						: loadRatingGroups(dataset.id, models!, true, database).units;
		rejectedExcluded = Math.max(0, excludeChoices(withRejected, goldItems.map(goldChoice)).units.length - frame.length);
	}
	if (!planned.length) {
		throw new AuditError(
			kind === 'quality'
				? 'Nothing to sample: the dataset has no instances the filters kept.'
				: kind === 'conversation'
					? 'Nothing to sample: the dataset has no conversations with an assistant turn.'
					: kind === 'pairwise'
						? pairModels
							? `Nothing to sample: no prompt of the dataset has responses from both ${pairModels[0]} and ${pairModels[1]}.`
							: 'Nothing to sample: the dataset has no preference pairs.'
						: 'Nothing to sample: no task has a response from the chosen models.',
			400,
			'invalid',
			'dataset'
		);
	}
	const routing = input.routing ?? 'breadth';
	if (!ROUTING_ORDERS.includes(routing)) throw new AuditError('Routing is breadth or depth.', 400, 'invalid', 'routing');
	const qualification = { items: input.qualificationItems ?? 0, accuracy: input.qualificationAccuracy ?? DEFAULT_QUALIFICATION_ACCURACY };
	const qualificationProblem = assertQualificationRule(qualification, goldItems.length);
	if (qualificationProblem) throw new AuditError(qualificationProblem, 400, 'invalid', 'qualificationItems');

	const now = Date.now();
	const kindName = { quality: 'Quality', rating: 'Rating', conversation: 'Conversation', pairwise: 'Pairwise' }[kind];
	const name = (input.name ?? '').trim() || `${kindName} audit of ${dataset.name} (seed ${seed})`;
	if (name.length > 200) throw new AuditError('The name is too long.', 400, 'invalid', 'name');
	// Names head pages, tables and cards, and are listed one per line by the CLI.
	if (/\p{Cc}/u.test(name)) throw new AuditError('The name is one line: no line breaks, tabs or other control characters.', 400, 'invalid', 'name');
	// The CLI takes an audit by id or by name: an audit named "1" would be mistaken for audit 1.
	if (/^\d+$/.test(name)) throw new AuditError(`An audit name cannot be only digits ("${name}" would be mistaken for the audit with that id); add a letter, e.g. "audit ${name}".`, 400, 'invalid', 'name');

	return {
		dataset,
		kind,
		name,
		// A size larger than the population draws all of it: the audit records what was drawn, not what was asked.
		sampleSize: strata ? sampleSize : Math.min(sampleSize, frame.length),
		seed,
		instanceMode,
		stratify,
		includeRejected,
		models,
		overlap,
		blind: input.blind !== false,
		leaseMinutes,
		guidelines,
		goldRate,
		reviewerIds,
		planned,
		goldItems,
		routing,
		qualification,
		strata,
		samplingFrame: {
			units: frame.length,
			choices: frame.reduce((sum, u) => sum + u.choices.length, 0),
			filtered: filtersHaveJudged(dataset.id, database),
			...(goldExcluded ? { goldExcluded } : {}),
			...(rejectedExcluded ? { rejectedExcluded } : {}),
			...(stratify === 'classification' ? { classificationStrata: classificationStrataOf(frame) } : {})
		},
		conversationUnit: kind === 'conversation' ? conversationUnit : 'turn',
		suggestionRunId,
		createdBy: input.createdBy ?? null,
		now
	};
}

/**
 * The researcher's sizes per verdict stratum checked against the populations: a key is a stratum
 * ('kept', 'rejected:rougeL') or a rule's name ('rougeL'); a size is a whole number from 0 to the
 * stratum's rows. Every stratum is kept in the result (size 0 when not chosen), with its population.
 */
const NO_STRATUM_SIZE = 'Choose how many rows to draw from at least one stratum.';

export function chooseStrata(populations: { key: string; label: string; population: number }[], sizes: Record<string, number>): AuditStratum[] {
	if (!populations.length) {
		throw new AuditError('No row of this dataset has a filter verdict: apply the filters first.', 400, 'invalid', 'strata');
	}
	const chosen = new Map<string, number>();
	for (const [name, size] of Object.entries(sizes)) {
		const stratum = populations.find((p) => p.key === name || p.key === `rejected:${name}`);
		if (!stratum) {
			const known = populations.map((p) => p.key).join(', ');
			throw new AuditError(`No stratum "${name}" in this dataset (it has ${known}).`, 400, 'invalid', 'strata');
		}
		if (!Number.isInteger(size) || size < 0 || size > stratum.population) {
			throw new AuditError(`${stratum.label}: the size must be a whole number from 0 to ${stratum.population} (its rows).`, 400, 'invalid', 'strata');
		}
		chosen.set(stratum.key, size);
	}
	const strata = populations.map((p) => ({ key: p.key, population: p.population, size: chosen.get(p.key) ?? 0 }));
	const total = strata.reduce((sum, s) => sum + s.size, 0);
	if (total < 1) throw new AuditError(NO_STRATUM_SIZE, 400, 'invalid', 'strata');
	if (total > MAX_SAMPLE_SIZE) throw new AuditError(`At most ${MAX_SAMPLE_SIZE} rows in all.`, 400, 'invalid', 'strata');
	return strata;
}

export function insertItems(database: Db, auditId: number, items: PlannedItem[], firstPosition: number, createdBy: number | null, now: number): void {
	const c = database.$client;
	const insertItem = c.prepare<[number, string, number, number, number | null, string | null, number, number, number | null, number | null], { id: number }>(
		`INSERT INTO audit_items (audit_id, ref, position, task_id, instance_id, stratum, is_gold, shuffle_key, conversation_id, pair_id)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	);
	const insertResponse = c.prepare<[number, number, number]>('INSERT INTO audit_item_responses (item_id, response_id, position) VALUES (?, ?, ?)');
	const insertGold = c.prepare<[number, number, number | null, number | null, number | null, string | null, string | null, string, number | null, number]>(
		`INSERT INTO audit_gold_answers (item_id, audit_id, instruction_valid, input_valid, output_valid, error_reason, preference, note, created_by, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	);
	const insertGoldRating = c.prepare<[number, number, string]>('INSERT INTO audit_gold_ratings (item_id, response_id, rating) VALUES (?, ?, ?)');
	items.forEach((item, i) => {
		const { id } = insertItem.get(
			auditId, newItemRef(), firstPosition + i, item.taskId, item.instanceId, item.stratum, item.gold ? 1 : 0, item.shuffleKey,
			item.conversationId ?? null, item.pairId ?? null
		)!;
		item.responses.forEach((r, position) => insertResponse.run(id, r.id, position));
		const gold = item.gold;
		if (gold?.kind === 'quality') {
			insertGold.run(id, auditId, +gold.instruction, +gold.input, +gold.output, gold.reason, null, gold.note, createdBy, now);
		} else if (gold?.kind === 'rating') {
			insertGold.run(id, auditId, null, null, null, null, null, gold.note, createdBy, now);
			for (const r of item.responses) if (gold.ratings[r.model]) insertGoldRating.run(id, r.id, gold.ratings[r.model]);
		} else if (gold?.kind === 'conversation') {
			// The verdict on the dialogue as a whole: what a label's output_valid holds in either unit.
			insertGold.run(id, auditId, null, null, +gold.valid, null, null, gold.note, createdBy, now);
		} else if (gold?.kind === 'pairwise') {
			insertGold.run(id, auditId, null, null, null, null, gold.preference, gold.note, createdBy, now);
		}
	});
}

/** What a gold item is in the sampling frame: its instance, pair, conversation or rating group (0: the task's instance-less responses). */
function goldChoice(item: PlannedItem): UnitChoice {
	return { taskId: item.taskId, choice: item.pairId ?? item.conversationId ?? item.instanceId ?? 0 };
}

/** Turns gold specs into items, checking that each names an instance (or task) of the dataset. */
export function resolveGold(
	datasetId: number,
	gold: GoldSpec[],
	models: string[] | null,
	includeRejected: boolean,
	seed: number,
	database: Db,
	pairModels?: readonly [string, string]
): PlannedItem[] {
	if (!gold.length) return [];
	const c = database.$client;
	const items: PlannedItem[] = [];
	const seen = new Set<string>();
	const instanceRow = c.prepare<[number, number], { id: number; taskId: number }>(
		'SELECT i.id, i.task_id AS taskId FROM instances i WHERE i.id = ? AND i.dataset_id = ?'
	);
	const ratingGroups = models && gold.some((g) => g.kind === 'rating') ? loadRatingGroups(datasetId, models, includeRejected, database).groups : null;
	const conversationRow = c.prepare<[number, number], { taskId: number }>(
		`SELECT c.task_id AS taskId FROM conversations c WHERE c.id = ? AND c.dataset_id = ?
		 AND EXISTS (SELECT 1 FROM conversation_turns u WHERE u.conversation_id = c.id AND u.role = 'assistant')`
	);
	const pairRow = c.prepare<[number, number], { taskId: number; instanceId: number | null; aId: number; aModel: string; bId: number; bModel: string }>(
		`SELECT p.task_id AS taskId, p.instance_id AS instanceId, a.id AS aId, a.model AS aModel, b.id AS bId, b.model AS bModel
		 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
		 WHERE p.id = ? AND p.dataset_id = ?`
	);
	for (const spec of gold) {
		if (spec.kind === 'conversation') {
			const row = conversationRow.get(spec.conversationId, datasetId);
			if (!row) throw new AuditError(`Gold: conversation ${spec.conversationId} is not in this dataset (or has no assistant reply).`, 400, 'invalid', 'gold');
			const key = `c${spec.conversationId}`;
			if (seen.has(key)) throw new AuditError(`Gold: conversation ${spec.conversationId} is given twice.`, 400, 'invalid', 'gold');
			seen.add(key);
			items.push({ taskId: row.taskId, instanceId: null, stratum: null, shuffleKey: hash32(seed, spec.conversationId, 3), responses: [], conversationId: spec.conversationId, gold: spec });
		} else if (spec.kind === 'pairwise') {
			const r = pairRow.get(spec.pairId, datasetId);
			if (!r) throw new AuditError(`Gold: pair ${spec.pairId} is not in this dataset.`, 400, 'invalid', 'gold');
			if (pairModels && !([r.aModel, r.bModel].sort().join('\u0000') === [...pairModels].sort().join('\u0000'))) {
				throw new AuditError(`Gold: pair ${spec.pairId} compares ${r.aModel} and ${r.bModel}, not the audit's two models.`, 400, 'invalid', 'gold');
			}
			const key = `p${spec.pairId}`;
			if (seen.has(key)) throw new AuditError(`Gold: pair ${spec.pairId} is given twice.`, 400, 'invalid', 'gold');
			seen.add(key);
			items.push({
				taskId: r.taskId,
				instanceId: r.instanceId,
				stratum: null,
				shuffleKey: hash32(seed, spec.pairId, 4),
				pairId: spec.pairId,
				responses: [
					{ id: r.aId, taskId: r.taskId, instanceId: r.instanceId, model: r.aModel },
					{ id: r.bId, taskId: r.taskId, instanceId: r.instanceId, model: r.bModel }
				],
				gold: spec
			});
		} else if (spec.kind === 'quality') {
			const row = instanceRow.get(spec.instanceId, datasetId);
			if (!row) throw new AuditError(`Gold: instance ${spec.instanceId} is not in this dataset.`, 400, 'invalid', 'gold');
			const key = `i${row.id}`;
			if (seen.has(key)) throw new AuditError(`Gold: instance ${spec.instanceId} is given twice.`, 400, 'invalid', 'gold');
			seen.add(key);
			items.push({ taskId: row.taskId, instanceId: row.id, stratum: null, shuffleKey: hash32(seed, row.id, 1), responses: [], gold: spec });
		} else {
			const byInstance = ratingGroups?.get(spec.taskId);
			const groupKey = spec.instanceId ?? (byInstance ? Math.min(...byInstance.keys()) : 0);
			const responses = byInstance?.get(groupKey);
			if (!responses) throw new AuditError(`Gold: task ${spec.taskId} has no responses from the chosen models.`, 400, 'invalid', 'gold');
			const missing = Object.keys(spec.ratings).filter((m) => !responses.some((r) => r.model === m));
			if (missing.length) throw new AuditError(`Gold: task ${spec.taskId} has no response from ${missing.join(', ')}.`, 400, 'invalid', 'gold');
			const key = `t${spec.taskId}:${groupKey}`;
			if (seen.has(key)) throw new AuditError(`Gold: task ${spec.taskId} is given twice.`, 400, 'invalid', 'gold');
			seen.add(key);
			items.push({ taskId: spec.taskId, instanceId: groupKey || null, stratum: null, shuffleKey: hash32(seed, spec.taskId, groupKey, 2), responses, gold: spec });
		}
	}
	return items;
}
