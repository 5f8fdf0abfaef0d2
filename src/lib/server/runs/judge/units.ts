/**
 * What a judge run judges, per mode: the units (instances, model responses, preference pairs)
 * its selection covers, the call keys of each, and the text each prompt shows. Server-only
 * queries; the prompts are built by $lib/prompts.
 */
import {
	buildQualityJudgePrompt,
	buildRatingJudgePrompt,
	buildSwappedPairwisePrompts
} from '$lib/prompts';
import type { FirstExchangeOnly } from '$lib/judge/wording';
import type { Db } from '../../db';
import type { JudgeMode, JudgeSelection } from './params';

/** The order a pairwise call shows the pair in: original = its response A first, swapped = B first. */
export type JudgeSide = 'single' | 'original' | 'swapped';

export const MODE_SIDES: Readonly<Record<JudgeMode, readonly JudgeSide[]>> = {
	quality: ['single'],
	rating: ['single'],
	pairwise: ['original', 'swapped']
};

/** The key in a call's template values that names its unit. */
export const MODE_UNIT_KEY: Readonly<Record<JudgeMode, 'instanceId' | 'responseId' | 'pairId'>> = {
	quality: 'instanceId',
	rating: 'responseId',
	pairwise: 'pairId'
};

/** The label column that names the unit. */
export const MODE_UNIT_COLUMN: Readonly<Record<JudgeMode, 'instance_id' | 'response_id' | 'pair_id'>> = {
	quality: 'instance_id',
	rating: 'response_id',
	pairwise: 'pair_id'
};

/** Deterministic call keys: "judge/instance 12", "judge/response 7/retry", "judge/pair 3/swapped". */
export function judgeUnitCallKey(mode: JudgeMode, unitId: number, side: JudgeSide = 'single', retry = false): string {
	const base = mode === 'quality' ? `judge/instance ${unitId}` : mode === 'rating' ? `judge/response ${unitId}` : `judge/pair ${unitId}/${side}`;
	return `${base}${retry ? '/retry' : ''}`;
}

/** The instance ids a quality judge run covers, in id order. */
export function selectedInstanceIds(database: Db, datasetId: number, selection: JudgeSelection, upToInstanceId: number): number[] {
	return selectedUnitIds(database, 'quality', datasetId, selection, upToInstanceId);
}

const kept = (selection: JudgeSelection, alias: string) =>
	selection.kind === 'dataset' && !selection.includeRejected ? `AND (${alias}.filter_status IS NULL OR ${alias}.filter_status <> 'rejected')` : '';

/** The units (instances / responses / pairs) a judge run covers, in id order. */
export function selectedUnitIds(database: Db, mode: JudgeMode, datasetId: number, selection: JudgeSelection, upTo: number): number[] {
	const c = database.$client;
	const audit = selection.kind === 'audit-items' ? selection.auditId : null;
	let sql: string;
	let args: unknown[];
	if (mode === 'quality') {
		if (audit !== null) {
			sql = 'SELECT DISTINCT instance_id FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND instance_id IS NOT NULL AND instance_id <= ? ORDER BY instance_id';
			args = [audit, upTo];
		} else {
			sql = `SELECT i.id FROM instances i JOIN tasks t ON t.id = i.task_id
				 WHERE t.dataset_id = ? AND i.id <= ? ${kept(selection, 't')} ${kept(selection, 'i')} ORDER BY i.id`;
			args = [datasetId, upTo];
		}
	} else if (mode === 'rating') {
		if (audit !== null) {
			sql = `SELECT DISTINCT r.response_id FROM audit_item_responses r JOIN audit_items a ON a.id = r.item_id
				 WHERE a.audit_id = ? AND a.is_gold = 0 AND r.response_id <= ? ORDER BY r.response_id`;
			args = [audit, upTo];
		} else {
			sql = `SELECT r.id FROM responses r JOIN tasks t ON t.id = r.task_id LEFT JOIN instances i ON i.id = r.instance_id
				 WHERE t.dataset_id = ? AND r.id <= ? ${kept(selection, 't')} ${kept(selection, 'i')} ORDER BY r.id`;
			args = [datasetId, upTo];
		}
	} else if (audit !== null) {
		sql = 'SELECT DISTINCT pair_id FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND pair_id IS NOT NULL AND pair_id <= ? ORDER BY pair_id';
		args = [audit, upTo];
	} else {
		sql = `SELECT p.id FROM preference_pairs p JOIN tasks t ON t.id = p.task_id LEFT JOIN instances i ON i.id = p.instance_id
			 WHERE p.dataset_id = ? AND p.id <= ? ${kept(selection, 't')} ${kept(selection, 'i')} ORDER BY p.id`;
		args = [datasetId, upTo];
	}
	return c.prepare<unknown[], number>(sql).pluck().all(...args);
}

/**
 * Of the instances a quality run judges, those that are a conversation's first exchange, and how
 * many of those conversations go on after the first reply (turns the judge never sees); null when
 * none is a conversation.
 */
export function firstExchangeOnly(database: Db, instanceIds: readonly number[]): FirstExchangeOnly | null {
	const row = database.$client
		.prepare<[string], { conversations: number; withLaterTurns: number | null }>(
			`SELECT count(*) AS conversations,
				sum(EXISTS (SELECT 1 FROM conversation_turns l WHERE l.conversation_id = c.id
					AND l.position > (SELECT min(a.position) FROM conversation_turns a WHERE a.conversation_id = c.id AND a.role = 'assistant'))) AS withLaterTurns
			 FROM conversations c WHERE c.instance_id IN (SELECT value FROM json_each(?))`
		)
		.get(JSON.stringify(instanceIds))!;
	return row.conversations ? { conversations: row.conversations, withLaterTurns: row.withLaterTurns ?? 0 } : null;
}

/** The largest unit id now, fixed at creation so later imports are not part of the run. */
export function lastUnitId(database: Db, mode: JudgeMode): number {
	const table = mode === 'quality' ? 'instances' : mode === 'rating' ? 'responses' : 'preference_pairs';
	return (database.$client.prepare<[], number>(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get()!) ?? 0;
}

/** Builds the prompt of one unit's call in one order, from the stored rows and the run's template. */
export class JudgePrompts {
	private readonly stmt;
	constructor(
		database: Db,
		private readonly mode: JudgeMode,
		private readonly template: string
	) {
		const c = database.$client;
		this.stmt =
			mode === 'quality'
				? c.prepare<[number], Record<string, string>>('SELECT t.instruction, i.input, i.output FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.id = ?')
				: mode === 'rating'
					? c.prepare<[number], Record<string, string>>(
							`SELECT t.instruction, coalesce(i.input, '') AS input, r.response FROM responses r JOIN tasks t ON t.id = r.task_id
							 LEFT JOIN instances i ON i.id = r.instance_id WHERE r.id = ?`
						)
					: c.prepare<[number], Record<string, string>>(
							`SELECT t.instruction, coalesce(i.input, '') AS input, ra.response AS first, rb.response AS second
							 FROM preference_pairs p JOIN tasks t ON t.id = p.task_id LEFT JOIN instances i ON i.id = p.instance_id
							 JOIN responses ra ON ra.id = p.response_a_id JOIN responses rb ON rb.id = p.response_b_id WHERE p.id = ?`
						);
	}

	prompt(unitId: number, side: JudgeSide): string {
		const row = this.stmt.get(unitId);
		if (!row) throw new Error(`${this.mode === 'quality' ? 'Instance' : this.mode === 'rating' ? 'Response' : 'Pair'} ${unitId} no longer exists.`);
		if (this.mode === 'quality') return buildQualityJudgePrompt({ instruction: row.instruction, input: row.input, output: row.output }, this.template);
		if (this.mode === 'rating') return buildRatingJudgePrompt({ instruction: row.instruction, input: row.input, response: row.response }, this.template);
		const both = buildSwappedPairwisePrompts({ instruction: row.instruction, input: row.input, first: row.first, second: row.second }, this.template);
		return side === 'swapped' ? both.swapped : both.original;
	}
}
