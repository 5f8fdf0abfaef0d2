/**
 * Preference pairs built from a dataset's own model responses: for two models, one pair per
 * prompt (task and instance) both answered, the first model's response as A and the second's as
 * B — the first response of each model to that prompt, as rating audits take it. Building is
 * idempotent: a pair built before (same two responses, same order) is found, not written again,
 * so an audit created twice over the same models samples the same pairs.
 *
 * The pairs are ordinary preference_pairs rows (prompt null, no source verdict): they can be
 * audited, and exported as {prompt, chosen, rejected} once reviewers have judged them.
 */
import { createHash } from 'node:crypto';
import { db, transaction, type Db } from '../db';
import { DomainError } from '$lib/errors';

export interface BuiltPairs {
	/** Prompts both models answered. */
	prompts: number;
	/** Pairs written now. */
	created: number;
	/** Pairs that were there already (built before). */
	existing: number;
	/** The dataset's pairs between the two models, in A/B order, by id. */
	pairIds: number[];
}

/** A built pair's identity: its two responses, in order (imported pairs fingerprint their texts instead). */
export function responsePairFingerprint(responseAId: number, responseBId: number): string {
	return createHash('sha1').update(`responses\u0000${responseAId}\u0000${responseBId}`).digest('base64');
}

export function buildResponsePairs(datasetId: number, models: readonly [string, string], database: Db = db()): BuiltPairs {
	const [modelA, modelB] = models.map((m) => m.trim()) as [string, string];
	if (!modelA || !modelB || modelA === modelB) throw new DomainError('Name two different models to pair.', 400, 'invalid', 'pairModels');
	const c = database.$client;
	const known = c.prepare<[number, string]>('SELECT model FROM responses WHERE dataset_id = ? AND model = ? LIMIT 1').pluck();
	for (const model of [modelA, modelB]) {
		if (known.get(datasetId, model) === undefined) throw new DomainError(`The dataset has no responses from ${model}.`, 400, 'invalid', 'pairModels');
	}
	// One row per prompt both models answered: each model's first response to it.
	const rows = c
		.prepare<[number, string, string, string, string], { taskId: number; instanceId: number | null; aId: number; bId: number }>(
			`WITH firsts AS (
				SELECT model, task_id AS taskId, instance_id AS instanceId, min(id) AS id FROM responses
				WHERE dataset_id = ? AND model IN (?, ?) GROUP BY model, task_id, instance_id
			)
			SELECT a.taskId, a.instanceId, a.id AS aId, b.id AS bId
			FROM firsts a JOIN firsts b ON b.taskId = a.taskId AND b.instanceId IS a.instanceId AND b.model = ?
			WHERE a.model = ? ORDER BY a.taskId, a.instanceId`
		)
		.all(datasetId, modelA, modelB, modelB, modelA);
	return transaction(
		database,
		() => {
			const insert = c.prepare<[number, number, number | null, number, number, string, string, number]>(
				`INSERT INTO preference_pairs (dataset_id, task_id, instance_id, response_a_id, response_b_id, prompt, fingerprint, metadata, created_at)
				 VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (dataset_id, fingerprint) DO NOTHING`
			);
			const now = Date.now();
			const metadata = JSON.stringify({ builtFrom: 'responses', models: [modelA, modelB] });
			let created = 0;
			for (const r of rows) created += insert.run(datasetId, r.taskId, r.instanceId, r.aId, r.bId, responsePairFingerprint(r.aId, r.bId), metadata, now).changes;
			const pairIds = c
				.prepare<[number, string, string], number>(
					`SELECT p.id FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
					 WHERE p.dataset_id = ? AND a.model = ? AND b.model = ? ORDER BY p.id`
				)
				.pluck()
				.all(datasetId, modelA, modelB);
			return { prompts: rows.length, created, existing: rows.length - created, pairIds };
		},
		'build pairs'
	);
}
