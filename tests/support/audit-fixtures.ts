/**
 * Builds audits with known labels for the report tests, through the app's own write paths:
 * dataset import, createAudit, and each reviewer taking items from the router and submitting
 * (or skipping) them. Who answers what is given per task and reviewer, so the expected report
 * numbers can be worked out by hand whatever order the router hands items out in.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, skipItem, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import type { GoldSpec } from '../../src/lib/audits/gold';

export type Reason = 'incomprehensible_instruction' | 'input_mismatch' | 'incorrect_output' | 'other';
export type Level = 'A' | 'B' | 'C' | 'D';

/**
 * A quality label: "YYN" (instruction, input, output) with the reason of the first "no", or
 * "YYN:other" to give the reason; "skip" skips the item. Add "@12" for 12 seconds on the item
 * (default 10).
 */
export type QualityPlan = string;
/** A rating label: each model's level, or "skip"; `seconds` defaults to 10. */
export type RatingPlan = 'skip' | { ratings: Record<string, Level>; seconds?: number };

export interface FixtureTask {
	key: string;
	classification: boolean | null;
	input?: string;
}

export interface BuiltAudit {
	auditId: number;
	datasetId: number;
	/** Reviewer name → user id. */
	reviewers: Record<string, number>;
	/** Task key → audit item id (sampled and gold items). */
	items: Record<string, number>;
	/** Task key → task id. */
	tasks: Record<string, number>;
	/** Rating audits: task key → model → response id. */
	responses: Record<string, Record<string, number>>;
}

function* chunks(text: string): Generator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
async function* stream(text: string): AsyncGenerator<Uint8Array> {
	yield* chunks(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Accounts straight in the table: argon2 would only slow the tests down. */
export function makeReviewers(db: Db, names: readonly string[]): Record<string, number> {
	const insert = db.$client.prepare(
		`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, 'reviewer', 'not-a-hash', ?) RETURNING id`
	);
	return Object.fromEntries(
		names.map((name) => [name, (insert.get(`${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.org`, name, Date.now()) as { id: number }).id])
	);
}

export const instructionOf = (key: string) => `Instruction for task ${key}: do the thing called ${key}.`;

async function importTasks(db: Db, datasetName: string, tasks: readonly FixtureTask[]): Promise<{ datasetId: number; tasks: Record<string, number> }> {
	const rows = tasks.map((t) => ({
		id: t.key,
		name: t.key,
		instruction: instructionOf(t.key),
		instances: [{ input: t.input ?? `input of ${t.key}`, output: `output of ${t.key}` }],
		is_classification: t.classification
	}));
	const summary = await importFile(stream(jsonl(rows)), { datasetName, fileName: 'tasks.jsonl' }, db);
	const ids = db.$client.prepare('SELECT source_id AS key, id FROM tasks WHERE dataset_id = ?').all(summary.datasetId) as Array<{ key: string; id: number }>;
	return { datasetId: summary.datasetId, tasks: Object.fromEntries(ids.map((r) => [r.key, r.id])) };
}

function itemsByKey(db: Db, auditId: number): Record<string, number> {
	const rows = db.$client
		.prepare('SELECT t.source_id AS key, i.id FROM audit_items i JOIN tasks t ON t.id = i.task_id WHERE i.audit_id = ?')
		.all(auditId) as Array<{ key: string; id: number }>;
	return Object.fromEntries(rows.map((r) => [r.key, r.id]));
}

function parseQuality(plan: QualityPlan): { skip: true } | { skip: false; answer: Record<string, unknown>; seconds: number } {
	if (plan === 'skip') return { skip: true };
	const match = /^([YN]{3})(?::([a-z_]+))?(?:@(\d+(?:\.\d+)?))?$/.exec(plan);
	if (!match) throw new Error(`bad quality plan "${plan}"`);
	const [instruction, input, output] = [...match[1]].map((c) => c === 'Y');
	const firstNo: Reason | null = !instruction ? 'incomprehensible_instruction' : !input ? 'input_mismatch' : !output ? 'incorrect_output' : null;
	return {
		skip: false,
		answer: { kind: 'quality', instruction, input, output, reason: firstNo === null ? null : ((match[2] as Reason | undefined) ?? firstNo), comment: `plan ${plan}` },
		seconds: match[3] ? Number(match[3]) : 10
	};
}

/**
 * Every reviewer takes items from the router until it has none left for them, answering as the
 * plan says; an item the plan has no label for is skipped. Time runs on a simulated clock so
 * each label's duration is exactly what the plan gives.
 */
function reviewAll(
	db: Db,
	auditId: number,
	reviewers: Record<string, number>,
	keyOfItem: Map<number, string>,
	act: (reviewer: string, key: string, ref: string, now: number) => number | 'skip'
): void {
	const refToItem = new Map(
		(db.$client.prepare('SELECT ref, id FROM audit_items WHERE audit_id = ?').all(auditId) as Array<{ ref: string; id: number }>).map((r) => [r.ref, r.id])
	);
	let now = Date.parse('2024-03-01T09:00:00.000Z');
	const finished = new Set<string>();
	for (let round = 0; finished.size < Object.keys(reviewers).length; round++) {
		if (round > 10_000) throw new Error('routing did not finish');
		for (const [name, id] of Object.entries(reviewers)) {
			if (finished.has(name)) continue;
			const next = nextAssignment(auditId, id, { now }, db);
			if (next.status !== 'assigned') {
				finished.add(name);
				continue;
			}
			const key = keyOfItem.get(refToItem.get(next.ref)!)!;
			const result = act(name, key, next.ref, now);
			if (result === 'skip') {
				skipItem(auditId, id, next.ref, 'planned skip', { now }, db);
				now += 1000;
			} else {
				now += result;
			}
		}
	}
}

export interface QualityAuditSpec {
	datasetName: string;
	tasks: FixtureTask[];
	reviewers: string[];
	overlap: number;
	/** Task key → reviewer name → plan. Missing entries are skips. */
	labels: Record<string, Record<string, QualityPlan>>;
	/** Gold items (task key → the known answer "YYN" / "YYN:reason"); their labels go in `labels` too. */
	gold?: Record<string, string>;
	goldRate?: number;
	name?: string;
}

/**
 * The quality audit the report tests check number by number (ties, skips, a gold item, three
 * reviewers): tests/integration/report.test.ts works the numbers out, the browser test reads
 * them on the page.
 */
export const QUALITY_AUDIT_PLAN = {
	tasks: [
		{ key: 't1', classification: true },
		{ key: 't2', classification: true },
		{ key: 't3', classification: false },
		{ key: 't4', classification: false },
		{ key: 't5', classification: false },
		{ key: 't6', classification: null },
		{ key: 't7', classification: false },
		{ key: 't9', classification: false },
		{ key: 'g8', classification: false }
	],
	reviewers: ['Ana', 'Ben', 'Cy'],
	overlap: 3,
	labels: {
		t1: { Ana: 'YYY@4', Ben: 'YYY@9', Cy: 'YYY@30' },
		t2: { Ana: 'YYN@6', Ben: 'YYN@11', Cy: 'YYY@20' },
		t3: { Ana: 'NYY@8', Ben: 'YYY@7' },
		t4: { Ana: 'YYN:incorrect_output@2', Ben: 'YYN:other@5', Cy: 'YYY@10' },
		t5: { Ana: 'YNN@1', Ben: 'YYY@3' },
		t6: { Ana: 'YYY@5' },
		t9: { Ana: 'YNY@7', Ben: 'YYN@9', Cy: 'YYY@15' },
		g8: { Ana: 'YYN@12', Ben: 'YYY@13' }
	},
	gold: { g8: 'YYN' }
} satisfies Pick<QualityAuditSpec, 'tasks' | 'reviewers' | 'overlap' | 'labels' | 'gold'>;

export async function buildQualityAudit(db: Db, spec: QualityAuditSpec): Promise<BuiltAudit> {
	const reviewers = makeReviewers(db, spec.reviewers);
	const { datasetId, tasks } = await importTasks(db, spec.datasetName, spec.tasks);
	const goldKeys = Object.keys(spec.gold ?? {});
	const instanceOf = (key: string) =>
		(db.$client.prepare('SELECT id FROM instances WHERE task_id = ?').get(tasks[key]) as { id: number }).id;
	const gold: GoldSpec[] = goldKeys.map((key) => {
		const parsed = parseQuality(spec.gold![key]);
		if (parsed.skip) throw new Error('gold cannot be a skip');
		const a = parsed.answer as { instruction: boolean; input: boolean; output: boolean; reason: Reason | null };
		return { kind: 'quality', instanceId: instanceOf(key), instruction: a.instruction, input: a.input, output: a.output, reason: a.reason, note: '' };
	});
	// Gold tasks are in the dataset too; sampling every non-gold task needs them kept out: they are
	// rejected by a (fake) filter so the sample only draws the others.
	if (goldKeys.length) {
		db.$client.prepare(`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'fixture-gold' WHERE id IN (SELECT value FROM json_each(?))`).run(JSON.stringify(goldKeys.map((k) => tasks[k])));
	}
	const sampled = spec.tasks.length - goldKeys.length;
	const audit = createAudit(
		{
			datasetId,
			kind: 'quality',
			name: spec.name ?? `${spec.datasetName} audit`,
			sampleSize: sampled,
			seed: 7,
			overlap: spec.overlap,
			reviewerIds: Object.values(reviewers),
			blind: false,
			gold,
			goldRate: spec.goldRate ?? (gold.length ? 0.5 : 0),
			includeRejected: false
		},
		db
	);
	const items = itemsByKey(db, audit.id);
	if (Object.keys(items).length !== spec.tasks.length) throw new Error(`expected every task in the audit, got ${Object.keys(items).length}`);
	const keyOfItem = new Map(Object.entries(items).map(([key, id]) => [id, key]));
	reviewAll(db, audit.id, reviewers, keyOfItem, (reviewer, key, ref, now) => {
		const plan = parseQuality(spec.labels[key]?.[reviewer] ?? 'skip');
		if (plan.skip) return 'skip';
		const ms = Math.round(plan.seconds * 1000);
		submitLabel(audit.id, reviewers[reviewer], { ref, submissionId: randomUUID(), answer: plan.answer, activeMs: ms / 2 }, { now: now + ms }, db);
		return ms;
	});
	return { auditId: audit.id, datasetId, reviewers, items, tasks, responses: {} };
}

export interface RatingAuditSpec {
	datasetName: string;
	tasks: FixtureTask[];
	models: string[];
	reviewers: string[];
	overlap: number;
	/** Task key → reviewer name → plan. Missing entries are skips. */
	labels: Record<string, Record<string, RatingPlan>>;
	name?: string;
}

export async function buildRatingAudit(db: Db, spec: RatingAuditSpec): Promise<BuiltAudit> {
	const reviewers = makeReviewers(db, spec.reviewers);
	const { datasetId, tasks } = await importTasks(db, spec.datasetName, spec.tasks);
	for (const model of spec.models) {
		const rows = spec.tasks.map((t) => ({
			prompt: instructionOf(t.key),
			instruction: instructionOf(t.key),
			input: t.input ?? `input of ${t.key}`,
			response: `${model} answers ${t.key}`,
			target: `output of ${t.key}`
		}));
		await importFile(stream(jsonl(rows)), { datasetName: spec.datasetName, fileName: `${model}.jsonl`, modelName: model, format: 'predictions' }, db);
	}
	const audit = createAudit(
		{
			datasetId,
			kind: 'rating',
			name: spec.name ?? `${spec.datasetName} ratings`,
			sampleSize: spec.tasks.length,
			seed: 11,
			overlap: spec.overlap,
			reviewerIds: Object.values(reviewers),
			models: spec.models,
			blind: false
		},
		db
	);
	const items = itemsByKey(db, audit.id);
	const responses: Record<string, Record<string, number>> = {};
	for (const r of db.$client
		.prepare(
			`SELECT t.source_id AS key, r.model, r.id FROM audit_item_responses ir JOIN audit_items i ON i.id = ir.item_id
			 JOIN responses r ON r.id = ir.response_id JOIN tasks t ON t.id = i.task_id WHERE i.audit_id = ?`
		)
		.all(audit.id) as Array<{ key: string; model: string; id: number }>) {
		(responses[r.key] ??= {})[r.model] = r.id;
	}
	const keyOfItem = new Map(Object.entries(items).map(([key, id]) => [id, key]));
	reviewAll(db, audit.id, reviewers, keyOfItem, (reviewer, key, ref, now) => {
		const plan = spec.labels[key]?.[reviewer] ?? 'skip';
		if (plan === 'skip') return 'skip';
		// Not blind: the screen shows the model of each slot, so the ratings go in screen order.
		const view = reviewItemView(audit.id, reviewers[reviewer], ref, db);
		const ratings = view.responses.map((r) => plan.ratings[r.model!]);
		const ms = Math.round((plan.seconds ?? 10) * 1000);
		submitLabel(audit.id, reviewers[reviewer], { ref, submissionId: randomUUID(), answer: { kind: 'rating', ratings, comment: '' }, activeMs: ms }, { now: now + ms }, db);
		return ms;
	});
	return { auditId: audit.id, datasetId, reviewers, items, tasks, responses };
}
