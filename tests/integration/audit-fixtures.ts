import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import type { Answer } from '../../src/lib/audits/answers';

/** Fixtures for the audit tests: accounts without argon2's cost, small datasets, answers. */

let userSeq = 0;
export function makeUser(db: Db, role: 'admin' | 'researcher' | 'reviewer' = 'reviewer', email?: string): { id: number; email: string } {
	const address = email ?? `user${++userSeq}-${randomUUID().slice(0, 6)}@example.org`;
	const row = db.$client
		.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, '', ?, 'not-a-hash', ?) RETURNING id`)
		.get(address, role, Date.now()) as { id: number };
	return { id: row.id, email: address };
}

export function makeUsers(db: Db, n: number): { id: number; email: string }[] {
	return Array.from({ length: n }, () => makeUser(db));
}

/** A dataset of `n` tasks, task i with `instancesPerTask` instances; every third task is classification. */
export async function makeDataset(db: Db, name: string, n: number, instancesPerTask = 1) {
	const rows = Array.from({ length: n }, (_, i) => ({
		id: `task_${i}`,
		name: `t${i}`,
		instruction: `Instruction number ${i}: do task ${i}.`,
		instances: Array.from({ length: instancesPerTask }, (_, j) => ({ input: j % 2 ? '' : `input ${i}.${j}`, output: `output ${i}.${j}` })),
		is_classification: i % 3 === 0
	}));
	const summary = await importFile(streamOf(jsonl(rows)), { datasetName: name, fileName: 'tasks.jsonl' }, db);
	return summary.datasetId;
}

/** Adds model predictions (one response per task) for a dataset made by makeDataset. */
export async function addPredictions(db: Db, datasetName: string, n: number, model: string) {
	const rows = Array.from({ length: n }, (_, i) => ({
		prompt: `Instruction number ${i}: do task ${i}.`,
		instruction: `Instruction number ${i}: do task ${i}.`,
		input: `input ${i}.0`,
		response: `${model} answers task ${i}`,
		target: `output ${i}.0`
	}));
	await importFile(streamOf(jsonl(rows)), { datasetName, fileName: `${model}_predictions.jsonl`, modelName: model }, db);
}

export const ALL_YES: Answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
export const BAD_OUTPUT: Answer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: 'wrong' };

export function submissionId(): string {
	return randomUUID();
}
