/**
 * Large audits written straight into the tables (no routing), for the report benchmark and the
 * tests that need a report that takes seconds: a quality audit of `items` tasks, `reviewers`
 * reviewers and k labels per item that agree with each item's true quality 85% of the time; a
 * rating audit of `items` tasks with one response per model, each rated A–D by k reviewers.
 */
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { createRng } from '../../src/lib/random';

const REASONS = ['incomprehensible_instruction', 'input_mismatch', 'incorrect_output', 'other'];

/** Writes the audit; returns its id. */
export function buildLargeQualityAudit(db: Db, options: { items: number; k: number; reviewers: number; name: string }): number {
	const { items: count, k, reviewers } = options;
	const c = db.$client;
	const now = Date.now();
	const { id: datasetId } = c.prepare<[string, number], { id: number }>(`INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id`).get(`${options.name} data`, now)!;
	const task = c.prepare<[number, string, string, number, number, number], { id: number }>(
		`INSERT INTO tasks (dataset_id, instruction, instruction_key, instruction_words, origin, instance_count, empty_input_count, is_classification, created_at)
		 VALUES (?, ?, ?, 12, 'generated', 1, ?, ?, ?) RETURNING id`
	);
	const instance = c.prepare<[number, number, string, string, number, number]>(
		`INSERT INTO instances (task_id, dataset_id, input, output, input_words, output_words, created_at) VALUES (?, ?, ?, ?, ?, 14, ?)`
	);
	c.transaction(() => {
		for (let i = 0; i < count; i++) {
			const text = `Instruction ${i}: explain topic ${i % 97} to a newcomer, in a few sentences.`;
			const empty = i % 3 === 0;
			const t = task.get(datasetId, text, text, empty ? 1 : 0, i % 4 === 0 ? 1 : 0, now)!;
			instance.run(t.id, datasetId, empty ? '' : `Some input for ${i}`, `An output of a realistic length for item ${i}, a sentence or two.`, empty ? 0 : 4, now);
		}
	})();
	const user = c.prepare<[string, string, string, number], { id: number }>(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, 'x', ?) RETURNING id`);
	const slug = options.name.replace(/\W+/g, '-');
	const ids = Array.from({ length: reviewers }, (_, i) => user.get(`${slug}-r${i}@large.example`, `Reviewer ${i}`, 'reviewer', now)!.id);
	const audit = createAudit({ datasetId, kind: 'quality', name: options.name, sampleSize: count, seed: 11, overlap: k, reviewerIds: ids }, db);
	const items = c.prepare<[number], { id: number }>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY position').all(audit.id);
	const assign = c.prepare<[number, number, number, number, number, number, number]>(
		`INSERT INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at, shown_at, finished_at)
		 VALUES (?, ?, ?, 'submitted', ?, ?, ?, ?)`
	);
	const label = c.prepare<[number, number, number, number, number, number, string | null, number, number, number, number]>(
		`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, error_reason, comment,
			duration_ms, active_ms, submitted_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, 1)`
	);
	const counts = c.prepare<[number, number, number]>('UPDATE audit_items SET label_count = ?, claimed_count = ? WHERE id = ?');
	const random = createRng(7);
	c.transaction(() => {
		items.forEach((item, n) => {
			// Each item has a true quality; reviewers agree with it 85% of the time.
			const truth = [random() < 0.9, random() < 0.85, random() < 0.7];
			for (let j = 0; j < k; j++) {
				const reviewer = ids[(n + j * 7) % reviewers];
				const answer = truth.map((v) => (random() < 0.85 ? v : !v));
				const at = now - (count - n) * 1000 + j * 500;
				const reason = answer.every(Boolean) ? null : REASONS[Math.floor(random() * REASONS.length)];
				assign.run(audit.id, item.id, reviewer, at - 20_000, at + 600_000, at - 19_000, at);
				const [i, o, u] = answer.map((v) => (v ? 1 : 0));
				label.run(audit.id, item.id, reviewer, i, o, u, reason, 19_000, 15_000 + Math.floor(random() * 20_000), at, at);
			}
			counts.run(k, k, item.id);
		});
	})();
	return audit.id;
}

const RATINGS = ['A', 'B', 'C', 'D'] as const;

/** A dataset of `count` tasks, each with one instance and one response per model. Returns its id. */
function responsesDataset(db: Db, count: number, models: readonly string[], name: string): number {
	const c = db.$client;
	const now = Date.now();
	const { id: datasetId } = c.prepare<[string, number], { id: number }>(`INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id`).get(`${name} data`, now)!;
	const task = c.prepare<[number, string, string, number, number], { id: number }>(
		`INSERT INTO tasks (dataset_id, instruction, instruction_key, instruction_words, origin, instance_count, empty_input_count, is_classification, created_at)
		 VALUES (?, ?, ?, 12, 'generated', 1, 0, ?, ?) RETURNING id`
	);
	const instance = c.prepare<[number, number, string, number], { id: number }>(
		`INSERT INTO instances (task_id, dataset_id, input, output, input_words, output_words, created_at) VALUES (?, ?, ?, '', 4, 0, ?) RETURNING id`
	);
	const response = c.prepare<[number, number, number, string, string, number]>(
		`INSERT INTO responses (task_id, instance_id, dataset_id, model, response, created_at) VALUES (?, ?, ?, ?, ?, ?)`
	);
	c.transaction(() => {
		for (let i = 0; i < count; i++) {
			const text = `Instruction ${i}: answer question ${i % 89} for a newcomer.`;
			const t = task.get(datasetId, text, text, i % 4 === 0 ? 1 : 0, now)!;
			const inst = instance.get(t.id, datasetId, `Question ${i}`, now)!;
			for (const model of models) response.run(t.id, inst.id, datasetId, model, `${model}'s answer to question ${i}.`, now);
		}
	})();
	return datasetId;
}

/** `count` reviewers' ids. */
function largeReviewers(db: Db, count: number, name: string): number[] {
	const user = db.$client.prepare<[string, string, string, number], { id: number }>(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, 'x', ?) RETURNING id`);
	const slug = name.replace(/\W+/g, '-');
	return Array.from({ length: count }, (_, i) => user.get(`${slug}-r${i}@large.example`, `Reviewer ${i}`, 'reviewer', Date.now())!.id);
}

/** A rating audit: each task's responses of `models` rated by k reviewers, each rating one grade from the response's true grade 30% of the time. Returns its id. */
export function buildLargeRatingAudit(db: Db, options: { items: number; k: number; reviewers: number; models: string[]; name: string }): number {
	const { items: count, k, reviewers, models } = options;
	const c = db.$client;
	const now = Date.now();
	const datasetId = responsesDataset(db, count, models, options.name);
	const ids = largeReviewers(db, reviewers, options.name);
	const audit = createAudit({ datasetId, kind: 'rating', name: options.name, sampleSize: count, seed: 11, overlap: k, reviewerIds: ids, models }, db);
	const items = c.prepare<[number], { id: number }>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY position').all(audit.id);
	const responsesOf = c.prepare<[number], { id: number; model: string }>(
		`SELECT r.id, r.model FROM audit_item_responses x JOIN responses r ON r.id = x.response_id WHERE x.item_id = ? ORDER BY x.position`
	);
	const assign = c.prepare<[number, number, number, number, number, number, number]>(
		`INSERT INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at, shown_at, finished_at)
		 VALUES (?, ?, ?, 'submitted', ?, ?, ?, ?)`
	);
	const label = c.prepare<[number, number, number, number, number, number, number], { id: number }>(
		`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, comment, duration_ms, active_ms, submitted_at, updated_at, revision)
		 VALUES (?, ?, ?, '', ?, ?, ?, ?, 1) RETURNING id`
	);
	const rating = c.prepare<[number, number, number, number, string, string]>(
		`INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating) VALUES (?, ?, ?, ?, ?, ?)`
	);
	const counts = c.prepare<[number, number, number]>('UPDATE audit_items SET label_count = ?, claimed_count = ? WHERE id = ?');
	const random = createRng(7);
	c.transaction(() => {
		items.forEach((item, n) => {
			const responses = responsesOf.all(item.id);
			const truth = responses.map((_, m) => Math.min(3, Math.floor(random() * 3) + m));
			for (let j = 0; j < k; j++) {
				const reviewer = ids[(n + j * 7) % reviewers];
				const at = now - (count - n) * 1000 + j * 500;
				assign.run(audit.id, item.id, reviewer, at - 20_000, at + 600_000, at - 19_000, at);
				const { id: labelId } = label.get(audit.id, item.id, reviewer, 19_000, 15_000 + Math.floor(random() * 20_000), at, at)!;
				responses.forEach((r, m) => {
					const off = random() < 0.3 ? (random() < 0.5 ? -1 : 1) : 0;
					rating.run(labelId, audit.id, item.id, r.id, r.model, RATINGS[Math.max(0, Math.min(3, truth[m] + off))]);
				});
			}
			counts.run(k, k, item.id);
		});
	})();
	return audit.id;
}

const PREFERENCES = ['a', 'b', 'tie', 'both_bad'] as const;

/** A pairwise audit: each task's two models' responses paired, and k reviewers' preferences (the first model preferred 60% of the time). Returns its id. */
export function buildLargePairwiseAudit(db: Db, options: { items: number; k: number; reviewers: number; models: [string, string]; name: string }): number {
	const { items: count, k, reviewers, models } = options;
	const c = db.$client;
	const now = Date.now();
	const datasetId = responsesDataset(db, count, models, options.name);
	const ids = largeReviewers(db, reviewers, options.name);
	const audit = createAudit({ datasetId, kind: 'pairwise', name: options.name, sampleSize: count, seed: 11, overlap: k, reviewerIds: ids, pairModels: models }, db);
	const items = c.prepare<[number], { id: number; first: string }>(
		`SELECT i.id, ra.model AS first FROM audit_items i JOIN preference_pairs p ON p.id = i.pair_id JOIN responses ra ON ra.id = p.response_a_id
		 WHERE i.audit_id = ? AND i.is_gold = 0 ORDER BY i.position`
	).all(audit.id);
	const assign = c.prepare<[number, number, number, number, number, number, number]>(
		`INSERT INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at, shown_at, finished_at)
		 VALUES (?, ?, ?, 'submitted', ?, ?, ?, ?)`
	);
	const label = c.prepare<[number, number, number, string, number, number, number, number]>(
		`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, preference, comment, duration_ms, active_ms, submitted_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 1)`
	);
	const counts = c.prepare<[number, number, number]>('UPDATE audit_items SET label_count = ?, claimed_count = ? WHERE id = ?');
	const random = createRng(7);
	c.transaction(() => {
		items.forEach((item, n) => {
			for (let j = 0; j < k; j++) {
				const reviewer = ids[(n + j * 7) % reviewers];
				const at = now - (count - n) * 1000 + j * 500;
				assign.run(audit.id, item.id, reviewer, at - 20_000, at + 600_000, at - 19_000, at);
				const u = random();
				// The pair's own A/B order: "a" is the first model's response when it is shown first.
				const firstWins = u < 0.6;
				const preference = u < 0.9 ? ((firstWins ? item.first === models[0] : item.first !== models[0]) ? 'a' : 'b') : PREFERENCES[2 + Math.floor(random() * 2)];
				label.run(audit.id, item.id, reviewer, preference, 19_000, 15_000 + Math.floor(random() * 20_000), at, at);
			}
			counts.run(k, k, item.id);
		});
	})();
	return audit.id;
}
