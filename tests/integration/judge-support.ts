/**
 * Shared set-up for the judge tests: a dataset whose rows tell the scripted judge what to say,
 * a one-reviewer audit of some of its tasks with known human labels, and the figures the
 * calibration and the whole-dataset estimate must come to, worked out here independently.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import type { FakeScript } from '../support/fake-openai';
import { jsonl, streamOf } from '../support/db';

/**
 * The scripted judge: an output holding "WRONG" is invalid, else all valid; "GARBLE-ONCE" gets
 * prose the first time and JSON after the reminder; "GARBLE" always gets prose.
 */
export const judgeScript: FakeScript = (request) => {
	const prompt = request.prompt;
	const output = /### Output\n([\s\S]*?)\n\nReply with/.exec(prompt)?.[1] ?? '';
	const reminded = prompt.includes('Your previous reply could not be read');
	if (output.includes('GARBLE-ONCE') && !reminded) return 'Looks fine to me!';
	if (output.includes('GARBLE') && !output.includes('GARBLE-ONCE')) return 'I would say the output is mostly fine.';
	const ok = !output.includes('WRONG');
	return JSON.stringify({
		instruction: { valid: true, reason: 'A clear task.' },
		input: { valid: true, reason: 'Fits.' },
		output: { valid: ok, reason: ok ? 'Correct.' : 'Incorrect.' }
	});
};

export const TASKS = 40;
export const AUDITED = 16;

/** Row k's output: WRONG for k ≡ 0 mod 3; task 4 garbled once, task 7 always. */
export function outputOf(k: number): string {
	if (k === 4) return `output ${k} GARBLE-ONCE`;
	if (k === 7) return `output ${k} GARBLE`;
	return k % 3 === 0 ? `output ${k} WRONG` : `output ${k}`;
}

/** What the judge says of row k: true/false for "all valid", null when unparsed. */
export function judgeSays(k: number): boolean | null {
	if (k === 7) return null;
	return k % 3 !== 0;
}

/** The humans agree with the judge except on k ≡ 1 mod 5 (they call those outputs wrong) and task 7 (unparsed for the judge: humans say valid). */
export function humanSays(k: number): boolean {
	if (k === 7) return true;
	if (k % 5 === 1) return false;
	return k % 3 !== 0;
}

export interface JudgeWorld {
	datasetId: number;
	auditId: number;
	/** Task number k of each audited item. */
	audited: number[];
}

/** `rejected`: tasks 0..rejected-1 rejected by a filter before the draw; `includeRejected`: the audit samples from them too. */
export async function buildJudgeWorld(db: Db, name = 'judged', options: { rejected?: number; includeRejected?: boolean } = {}): Promise<JudgeWorld> {
	const rows = Array.from({ length: TASKS }, (_, k) => ({ id: `task_${k}`, instruction: `Instruction ${k}: do task ${k}.`, instances: [{ input: `input ${k}`, output: outputOf(k) }] }));
	const summary = await importFile(streamOf(jsonl(rows)), { datasetName: name, fileName: 'tasks.jsonl' }, db);
	if (options.rejected) {
		const rejected = Array.from({ length: options.rejected }, (_, k) => `task_${k}`);
		db.$client.prepare(`UPDATE tasks SET filter_status = CASE WHEN source_id IN (${rejected.map(() => '?').join(', ')}) THEN 'rejected' ELSE 'kept' END WHERE dataset_id = ?`).run(...rejected, summary.datasetId);
	}
	const reviewer = (
		db.$client
			.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, 'Rita', 'reviewer', 'not-a-hash', ?) RETURNING id`)
			.get(`rita-${randomUUID().slice(0, 8)}@example.org`, Date.now()) as { id: number }
	).id;
	const audit = createAudit(
		{ datasetId: summary.datasetId, kind: 'quality', name: `${name} audit`, sampleSize: AUDITED, seed: 13, overlap: 1, reviewerIds: [reviewer], blind: false, includeRejected: options.includeRejected },
		db
	);
	const audited: number[] = [];
	let now = Date.parse('2026-01-05T09:00:00Z');
	for (;;) {
		const next = nextAssignment(audit.id, reviewer, { now }, db);
		if (next.status !== 'assigned') break;
		const { key } = db.$client
			.prepare('SELECT t.source_id AS key FROM audit_items a JOIN tasks t ON t.id = a.task_id WHERE a.ref = ?')
			.get(next.ref) as { key: string };
		const k = Number(key.replace('task_', ''));
		audited.push(k);
		const ok = humanSays(k);
		now += 5000;
		submitLabel(
			audit.id,
			reviewer,
			{
				ref: next.ref,
				submissionId: randomUUID(),
				answer: { kind: 'quality', instruction: true, input: true, output: ok, reason: ok ? null : 'incorrect_output', comment: '' },
				activeMs: 4000
			},
			{ now },
			db
		);
	}
	return { datasetId: summary.datasetId, auditId: audit.id, audited };
}

/**
 * The calibration of "all valid" and the PPI++ estimate, computed from the rules above; with
 * `population`, the estimate for those tasks only (the audited ones among them correct it).
 */
export function expectedFigures(audited: readonly number[], population?: readonly number[]) {
	let tp = 0,
		fn = 0,
		fp = 0,
		tn = 0,
		missing = 0;
	for (const k of audited) {
		const j = judgeSays(k);
		const h = humanSays(k);
		if (j === null) {
			missing++;
			continue;
		}
		if (h) j ? tp++ : fn++;
		else j ? fp++ : tn++;
	}
	const n = tp + fn + fp + tn;
	const po = (tp + tn) / n;
	const pe = ((tp + fp) / n) * ((tp + fn) / n) + ((fn + tn) / n) * ((fp + tn) / n);
	const kappa = (po - pe) / (1 - pe);

	// The estimate: unparsed rows count as "no" for the judge on both sides.
	const tasks = population ?? Array.from({ length: TASKS }, (_, k) => k);
	const N = tasks.length;
	let N1 = 0;
	for (const k of tasks) if (judgeSays(k) === true) N1++;
	const inside = audited.filter((k) => tasks.includes(k));
	const cell = { tp: 0, fn: 0, fp: 0, tn: 0 };
	for (const k of inside) {
		const j = judgeSays(k) === true;
		const h = humanSays(k);
		if (h) j ? cell.tp++ : cell.fn++;
		else j ? cell.fp++ : cell.tn++;
	}
	const m = inside.length;
	const lambda = Math.min(1, Math.max(0, cell.tp / (cell.tp + cell.fp) - cell.fn / (cell.fn + cell.tn)));
	const humanYes = cell.tp + cell.fn;
	const estimate = lambda * (N1 / N) + (humanYes - lambda * (cell.tp + cell.fp)) / m;
	// Variance of r = Y − λf over the table with ½ per cell, divisor m + 2, times (1 − m/N).
	const cells: [number, number][] = [
		[cell.tp + 0.5, 1 - lambda],
		[cell.fn + 0.5, 1],
		[cell.fp + 0.5, -lambda],
		[cell.tn + 0.5, 0]
	];
	const w = m + 2;
	const mean = cells.reduce((s, [c, r]) => s + c * r, 0) / w;
	const s2 = cells.reduce((s, [c, r]) => s + c * (r - mean) ** 2, 0) / w;
	const se = Math.sqrt(((1 - m / N) * s2) / w);
	return {
		confusion: { truePositives: tp, falseNegatives: fn, falsePositives: fp, trueNegatives: tn },
		missing,
		agreement: po,
		kappa,
		sensitivity: tp / (tp + fn),
		specificity: tn / (tn + fp),
		estimate,
		lower: estimate - 1.959963984540054 * se,
		upper: estimate + 1.959963984540054 * se,
		lambda,
		humanRate: humanYes / m
	};
}
