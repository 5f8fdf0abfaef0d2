/**
 * Checks a Self-Instruct or Alpaca run's similarity records pair by pair: for every task of the
 * run (kept or rejected), its 10 most similar pool instructions with their ROUGE-L, the mean and
 * the highest one, recomputed with the plain scorer against the pool as it stood (the default
 * seeds plus the tasks kept before it, and for Self-Instruct those waiting beyond its target), and the verdict against the recomputed highest.
 */
import { expect } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { DEFAULT_SEED_TASKS } from '../../src/lib/prompts';
import { filterPreset, normalizeInstruction, type FilterPresetName } from '../../src/lib/filters';
import { rougeL } from '../../src/lib/rouge/score';
import { all } from './generation-support';

export interface TaskRow {
	id: number;
	instruction: string;
	filter_status: string;
	filter_rule: string | null;
	filter_rouge_l: number | null;
	metadata: string | null;
}

export function checkSimilarityRecords(db: Db, runId: number, each?: (task: TaskRow, max: number) => void, preset: FilterPresetName = 'alpaca'): { rules: Set<string>; tasks: number } {
	const config = filterPreset(preset);
	const pool = DEFAULT_SEED_TASKS.map((t) => normalizeInstruction(t.instruction, config.normalize));
	const poolRef: (number | string)[] = DEFAULT_SEED_TASKS.map((_, i) => `seed:${i}`);
	const tasks = all<TaskRow>(db, 'SELECT id, instruction, filter_status, filter_rule, filter_rouge_l, metadata FROM tasks WHERE run_id = ? ORDER BY id', runId);
	const rules = new Set<string>();
	for (const t of tasks) {
		const scores = pool.map((p) => rougeL(p, t.instruction).fmeasure);
		const order = scores.map((score, i) => ({ i, score })).sort((a, b) => b.score - a.score || a.i - b.i);
		const max = Math.max(...scores);
		const stored = JSON.parse(t.metadata!).rougeL as { max: number; mean: number; pool: number; similar: [number | string, number][] };
		expect(stored.pool, `pool of task ${t.id}`).toBe(pool.length);
		expect(stored.similar.map((s) => s[0]), `most similar to task ${t.id}`).toEqual(order.slice(0, 10).map((o) => poolRef[o.i]));
		stored.similar.forEach(([, score], k) => expect(score).toBeCloseTo(order[k].score, 14));
		expect(stored.mean).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 12);
		expect(stored.max).toBeCloseTo(max, 14);
		expect(t.filter_rouge_l).toBe(stored.max);
		// The verdict agrees with the recomputed similarity.
		if (t.filter_status === 'kept') expect(max).toBeLessThanOrEqual(0.7);
		if (t.filter_rule === 'rougeL') expect(max).toBeGreaterThan(0.7);
		each?.(t, max);
		if (t.filter_rule) rules.add(t.filter_rule);
		// An instruction that passed every filter beyond the target joined the pool too (Self-Instruct's waiting, Alpaca's past the target).
		if (t.filter_status === 'kept' || t.filter_rule === 'overTarget') {
			pool.push(t.instruction);
			poolRef.push(t.id);
		}
	}
	return { rules, tasks: tasks.length };
}
