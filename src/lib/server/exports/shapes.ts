/**
 * Exporting the richer shapes whole: SuperNI task files (one file per task), conversations with
 * every turn (ShareGPT or OpenAI chat JSON Lines) and preference pairs as {prompt, chosen,
 * rejected}. The same filters as the flat export choose the tasks; the rows stream from SQLite.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';
import { getDataset, receivingImport } from '../datasets/datasets';
import { sourcePairModel } from '../datasets/shape-rows';
import type { ParsedTask, ParsedTurn, TurnRole } from '$lib/formats';
import {
	chatConversationSerializer,
	shapeLeftOutSummary,
	preferencePairSerializer,
	shareGptSerializer,
	superNiExportOf,
	SuperNiTaskWriter,
	type PreferencePairExport,
	type ShapeSerializer,
	type TiePolicy
} from '$lib/formats/serialize-shapes';
import { ExportFilterError, describeFilters, usesHumanLabels, whereClauses, withoutHumanLabels, type ExportFilters } from './filters';
import { selectionQuery, withReviewersNotCounted } from './query';
import { reviewersNotCounted } from '../audits/routing';
import { checkSelectionReferences } from './export';
import { notCountedSql, withConversationFinal, withPairsJudged } from './human-labels';
import { SqlQuery } from './sql';
import { appVersion } from './version';
import { writeThroughPartial, writeThroughPartialInterruptibly } from '../files';

export { shapeLeftOutSummary };

export type ShapeExportFormat = 'superni' | 'sharegpt' | 'chat-conversations' | 'preference-pairs';

export const SHAPE_EXPORT_FORMATS: readonly { id: ShapeExportFormat; label: string; extension: string; description: string }[] = [
	{ id: 'sharegpt', label: 'ShareGPT conversations (JSON Lines)', extension: 'jsonl', description: '{id, conversations: [{from, value}]} with every turn, one conversation per line.' },
	{ id: 'chat-conversations', label: 'OpenAI chat with every turn (JSON Lines)', extension: 'jsonl', description: '{messages: [{role, content}, …]} with every turn of each conversation.' },
	{ id: 'preference-pairs', label: 'Preference pairs {prompt, chosen, rejected} (JSON Lines)', extension: 'jsonl', description: 'For reward-model and DPO training; the reviewers’ verdict where a pairwise audit judged the pair, else the source’s; ties left out or flagged; the source row’s id and other fields kept, model names only when the source gave them. An HH-RLHF pair’s prompt is its transcript up to the last “Assistant:”, and chosen / rejected start with the space after it, so prompt + chosen is the transcript again.' },
	{ id: 'superni', label: 'SuperNI task files', extension: 'json', description: 'One task file per task (definition, positive and negative examples, every instance with all reference outputs); a folder from the command line, one task from the page.' }
];

export function isShapeExportFormat(value: string): value is ShapeExportFormat {
	return SHAPE_EXPORT_FORMATS.some((f) => f.id === value);
}

export interface ShapeExportRequest {
	datasetId: number;
	format: ShapeExportFormat;
	filters?: ExportFilters;
	/** preference-pairs: what to do with ties (default: leave them out). */
	ties?: TiePolicy;
	/** superni from the page: the one task to write. */
	taskId?: number;
}

export interface ShapeExportCounts {
	records: number;
	/** preference-pairs: selected pairs whose verdict is the reviewers' (a pairwise audit judged them), not the source's. */
	reviewersVerdicts?: number;
	/** Of those, pairs whose reviewers' verdict differs from the source's preference (sides swapped, a source tie given a winner, or left out as disagreed or both bad). */
	sourceVerdictsReplaced?: number;
	/** preference-pairs: pairs left out, each reason on its own (a split between reviewers is not a tie). */
	tiesLeftOut?: number;
	bothBadLeftOut?: number;
	disagreedLeftOut?: number;
	unjudgedLeftOut?: number;
	/** chat-conversations: conversations left out because a ShareGPT function_call turn is not a call ({name, arguments}). */
	unreadableToolCallsLeftOut?: number;
}

/** A written file, as the row export's manifest describes its file: size and SHA-256 of its bytes. */
export interface ShapeExportFile {
	name: string;
	bytes: number;
	sha256: string;
}

export interface ShapeExportManifest {
	kind: 'instruct-audit-shape-export';
	createdAt: string;
	app: ReturnType<typeof appVersion>;
	format: ShapeExportFormat;
	dataset: { id: number; name: string };
	filters: { where: string; description: string }[];
	ties?: TiePolicy;
	/** preference-pairs: the pairwise audits whose reviewers' verdicts replaced the source's (counts.reviewersVerdicts, counts.sourceVerdictsReplaced). */
	reviewersVerdictsFrom?: { audits: number[] };
	counts: ShapeExportCounts;
	/** Every file written, in order: one, or the SuperNI folder's task files. */
	files: ShapeExportFile[];
}

/** Passes a file's chunks through while counting their UTF-8 bytes and hashing them. */
class MeasuredFile {
	private bytes = 0;
	private readonly hash = createHash('sha256');

	*through(chunks: Iterable<string>): Generator<string> {
		for (const chunk of chunks) {
			this.bytes += Buffer.byteLength(chunk);
			this.hash.update(chunk);
			yield chunk;
		}
	}

	/** The file's entry; call once, after the chunks are done. */
	file(name: string): ShapeExportFile {
		return { name, bytes: this.bytes, sha256: this.hash.digest('hex') };
	}
}

function notWrittenYet(): never {
	throw new Error('a shape export\'s manifest describes the file written: read its chunks first');
}

/** The audit kind whose labels judge each shape: conversations as a whole, pairs, or (SuperNI) the instances of a task. */
const LABELS_OF: Record<ShapeExportFormat, { kind: 'quality' | 'conversation' | 'pairwise'; unit: string }> = {
	sharegpt: { kind: 'conversation', unit: 'conversations' },
	'chat-conversations': { kind: 'conversation', unit: 'conversations' },
	'preference-pairs': { kind: 'pairwise', unit: 'pairs' },
	superni: { kind: 'quality', unit: 'instances' }
};

/**
 * Refuses what the filters cannot mean for the shape rather than ignore it: an audit of another
 * kind than the shape's (a quality audit for pairs), a human-label filter the shape's audits do
 * not answer (pairwise audits say which side is better, not "all fields valid"), and the audits
 * named for no filter to use.
 */
function checkShapeFilters(client: Database.Database, datasetId: number, format: ShapeExportFormat, filters: ExportFilters): void {
	checkSelectionReferences(client, { datasetId, filters });
	const { kind, unit } = LABELS_OF[format];
	for (const id of filters.audits ?? []) {
		const audit = client.prepare<[number], string>('SELECT kind FROM audits WHERE id = ?').pluck().get(id)!;
		if (audit !== kind && !(kind === 'quality' && audit === 'rating'))
			throw new ExportFilterError(`Audit ${id} is a ${audit} audit: ${unit} are judged by ${kind} audits, so its labels cannot filter this export.`, `audit=${id}`);
	}
	if (filters.minRating) throw new ExportFilterError(`--where rating: A–D ratings are given to model responses; a ${format} export has no rating filter.`, `rating=${filters.minRating}`);
	if (format === 'preference-pairs') {
		if (filters.allYes) throw new ExportFilterError('--where all-yes: pairwise audits say which side of a pair is better, not whether all fields are valid; use audited=yes for the pairs a reviewer judged.', 'all-yes');
		if (filters.notRejected) throw new ExportFilterError('--where not-rejected: pairs the reviewers judged both bad are always left out of preference pairs; use kept for the automatic filters\' verdict.', 'not-rejected');
		if (filters.agreed) throw new ExportFilterError('--where agreed: pairs the reviewers disagreed on are always left out of preference pairs (counted in the manifest); leave agreed out.', 'agreed');
	} else if (format !== 'superni' && filters.audits?.length && !usesHumanLabels(filters)) {
		throw new ExportFilterError(`--where audit=${filters.audits.join(',')} names the audits the human-label filters use, and none is given (audited, all-yes, agreed, not-rejected).`, `audit=${filters.audits.join(',')}`);
	}
}

/**
 * The ids of the tasks the filters select, or null for "every task" (no filters). Conversations
 * and pairs: only the filters on tasks and instances, with tasks that have no instance (an
 * imported tie pair's) kept; their human labels are their own (labelledShapes).
 */
function selectedTasks(client: Database.Database, datasetId: number, filters: ExportFilters | undefined, format: ShapeExportFormat): Set<number> | null {
	if (format !== 'superni' && filters) filters = { ...withoutHumanLabels(filters), audits: undefined };
	if (!filters || whereClauses(filters).length === 0) return null;
	const { q, from } = selectionQuery(withReviewersNotCounted({ datasetId, filters }, client), filters, { tasksWithoutInstances: format !== 'superni' });
	const ids = client.prepare<[unknown], number>(`${q.withClause()}SELECT DISTINCT t.id FROM ${from} WHERE ${q.whereClause()}`).pluck().all(q.params);
	return new Set(ids);
}

/**
 * The ids of the conversations or pairs the human-label filters select, by the audits that judge
 * them (human-labels.ts), or null when no human-label filter is given.
 */
function labelledShapes(client: Database.Database, datasetId: number, format: ShapeExportFormat, filters: ExportFilters | undefined): Set<number> | null {
	if (format === 'superni' || !filters || !usesHumanLabels(filters)) return null;
	const q = new SqlQuery();
	const scope = { datasetId, auditIds: filters.audits, notCounted: reviewersNotCounted(client, datasetId, filters.audits) };
	let table: string;
	if (format === 'preference-pairs') {
		table = 'preference_pairs';
		const judged = withPairsJudged(q, scope);
		if (filters.audited) q.where(`${filters.audited === 'no' ? 'NOT ' : ''}s.id IN (SELECT pair_id FROM ${judged})`);
	} else {
		table = 'conversations';
		const cf = withConversationFinal(q, scope);
		if (filters.audited) q.where(`${filters.audited === 'no' ? 'NOT ' : ''}s.id IN (SELECT conversation_id FROM ${cf})`);
		if (filters.allYes) q.where(`s.id IN (SELECT conversation_id FROM ${cf} WHERE valid = 1)`);
		if (filters.notRejected) q.where(`s.id NOT IN (SELECT conversation_id FROM ${cf} WHERE valid = 0)`);
		if (filters.agreed) q.where(`s.id NOT IN (SELECT conversation_id FROM ${cf} WHERE disagreement)`);
	}
	q.where(`s.dataset_id = ${q.param(datasetId)}`);
	return new Set(client.prepare<[unknown], number>(`${q.withClause()}SELECT s.id FROM ${table} s WHERE ${q.whereClause()}`).pluck().all(q.params));
}

/** What each filter means for the shape: its human-label filters are about conversations or pairs, by their own audits. */
function shapeFilterDescriptions(format: ShapeExportFormat, filters: ExportFilters): { where: string; description: string }[] {
	const { kind, unit } = LABELS_OF[format];
	const own: Record<string, string> =
		format === 'superni'
			? {}
			: {
					audit: `human labels from ${kind} audit${(filters.audits?.length ?? 0) > 1 ? 's' : ''} ${filters.audits?.join(', ')}`,
					audited: filters.audited === 'yes' ? `only ${unit} a ${kind} audit judged` : `only ${unit} no ${kind} audit judged`,
					'all-yes': 'only conversations the reviewers judged correct as a whole (their majority)',
					agreed: 'without conversations whose reviewers differ on the conversation as a whole',
					'not-rejected': 'kept by the automatic filters and not rejected by people: conversations the reviewers judged not correct as a whole (their majority) left out, unaudited ones kept'
				};
	return describeFilters(filters).map((f) => ({ ...f, description: own[f.where.split('=')[0]] ?? f.description }));
}

function parseJson<T>(text: string | null): T | null {
	return text === null ? null : (JSON.parse(text) as T);
}

interface ConversationRow {
	id: number;
	taskId: number;
	sourceId: string | null;
	metadata: string | null;
	role: TurnRole;
	content: string;
	sourceRole: string | null;
	name: string | null;
	weight: number | null;
	extra: string | null;
}

/** The conversations of a dataset in import order, each with every turn. */
function* conversationsOf(client: Database.Database, datasetId: number, tasks: Set<number> | null, labelled: Set<number> | null) {
	const rows = client
		.prepare<[number], ConversationRow>(
			`SELECT c.id, c.task_id AS taskId, c.source_id AS sourceId, c.metadata, t.role, t.content, t.source_role AS sourceRole, t.name, t.weight, t.extra
			 FROM conversations c JOIN conversation_turns t ON t.conversation_id = c.id
			 WHERE c.dataset_id = ? ORDER BY c.id, t.position`
		)
		.iterate(datasetId);
	let current: { id: number; taskId: number; sourceId: string | null; metadata: Record<string, unknown> | null; turns: ParsedTurn[] } | null = null;
	for (const r of rows) {
		if (!current || current.id !== r.id) {
			if (current && (!tasks || tasks.has(current.taskId)) && (!labelled || labelled.has(current.id))) yield current;
			current = { id: r.id, taskId: r.taskId, sourceId: r.sourceId, metadata: parseJson(r.metadata), turns: [] };
		}
		const turn: ParsedTurn = { role: r.role, content: r.content };
		if (r.sourceRole !== null) turn.sourceRole = r.sourceRole;
		if (r.name !== null) turn.name = r.name;
		if (r.weight !== null) turn.weight = r.weight;
		if (r.extra !== null) turn.extra = parseJson(r.extra);
		current.turns.push(turn);
	}
	if (current && (!tasks || tasks.has(current.taskId)) && (!labelled || labelled.has(current.id))) yield current;
}

/**
 * The verdict a pair is exported with: the reviewers' where a pairwise audit judged it, else null
 * (the source's own applies). The reviewers' verdict is the label given more often than every
 * other, over every pairwise audit of the pair: with two reviewers both must agree, with three two
 * of them; a pair still short of its audit's k labels has a verdict only once one label holds a
 * majority of k (one label of k = 2 is not enough: the source's verdict stands meanwhile). When no label leads (one says A and another B, or A against "both bad", or a three-way
 * split) the reviewers disagreed: that is not a tie, which is only "about the same" as the leading
 * label. "Both bad" leading means no side is better.
 */
export type PairVerdictLookup = (pairId: number) => 'a' | 'b' | 'tie' | 'both-bad' | 'disagreed' | null;

/**
 * The reviewers' verdicts on the dataset's pairs, from its pairwise audits (only `auditIds` when
 * given), without the labels of reviewers who have not passed an audit's qualification step (as
 * its report), each reviewer once per pair with their latest choice (as quality_latest counts
 * instances: a pair two audits sampled is not a vote of two); `audits(pairId)` names the audits
 * that gave one. SQLite takes the bare columns of a max() aggregate from the row holding the max.
 */
export function reviewedPairVerdicts(client: Database.Database, datasetId: number, auditIds: readonly number[] = []): PairVerdictLookup & { audits: (pairId: number) => number[] } {
	const rows = client
		.prepare<unknown[], { pairId: number; preference: string; n: number; k: number; audits: string }>(
			`SELECT pairId, preference, count(*) AS n, max(k) AS k, group_concat(DISTINCT auditId) AS audits FROM (
				SELECT i.pair_id AS pairId, l.preference AS preference, a.overlap AS k, a.id AS auditId, max(l.submitted_at) AS at
				FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN audits a ON a.id = l.audit_id
				WHERE a.dataset_id = ? AND a.kind = 'pairwise' AND i.is_gold = 0 AND i.pair_id IS NOT NULL AND l.preference IS NOT NULL${auditIds.length ? ` AND a.id IN (${auditIds.map(() => '?').join(', ')})` : ''}
					${notCountedSql(reviewersNotCounted(client, datasetId, auditIds))}
				GROUP BY i.pair_id, l.reviewer_id
			 )
			 GROUP BY pairId, preference`
		)
		.all(datasetId, ...auditIds);
	const byPair = new Map<number, { counts: Map<string, number>; k: number; audits: Set<number> }>();
	for (const r of rows) {
		let m = byPair.get(r.pairId);
		if (!m) byPair.set(r.pairId, (m = { counts: new Map(), k: 0, audits: new Set() }));
		m.counts.set(r.preference, r.n);
		m.k = Math.max(m.k, r.k);
		for (const id of r.audits.split(',')) m.audits.add(Number(id));
	}
	const verdict: PairVerdictLookup = (pairId) => {
		const entry = byPair.get(pairId);
		if (!entry) return null;
		const m = entry.counts;
		const top = Math.max(...m.values());
		const labels = [...m.values()].reduce((a, b) => a + b, 0);
		// Still short of its k labels, with no label holding a majority of k yet: no reviewers'
		// verdict so far (one label of two does not outvote the source), so the source's applies.
		if (labels < entry.k && top * 2 <= entry.k) return null;
		const leaders = [...m.entries()].filter(([, n]) => n === top).map(([k]) => k);
		if (leaders.length > 1) return 'disagreed';
		return leaders[0] === 'both_bad' ? 'both-bad' : (leaders[0] as 'a' | 'b' | 'tie');
	};
	return Object.assign(verdict, { audits: (pairId: number) => [...(byPair.get(pairId)?.audits ?? [])] });
}

/** How many of the written pairs' verdicts are the reviewers', how many differ from the source's, and from which audits. */
interface ReviewersVerdictTally {
	reviewersVerdicts: number;
	sourceVerdictsReplaced: number;
	audits: Set<number>;
}

interface PairRow {
	id: number;
	taskId: number;
	prompt: string;
	responseA: string;
	responseB: string;
	modelA: string;
	modelB: string;
	sourcePreferred: 'a' | 'b' | 'tie' | null;
	scoreA: number | null;
	scoreB: number | null;
	sourceId: string | null;
	metadata: string | null;
}

function* pairsOf(
	client: Database.Database,
	datasetId: number,
	tasks: Set<number> | null,
	labelled: Set<number> | null,
	auditIds: readonly number[],
	tally: ReviewersVerdictTally
): Generator<PreferencePairExport> {
	const verdict = reviewedPairVerdicts(client, datasetId, auditIds);
	const rows = client
		.prepare<[number], PairRow>(
			`SELECT p.id, p.task_id AS taskId, coalesce(p.prompt, CASE WHEN i.input IS NULL OR i.input = '' THEN tk.instruction ELSE tk.instruction || char(10) || char(10) || i.input END) AS prompt,
				a.response AS responseA, b.response AS responseB, a.model AS modelA, b.model AS modelB,
				p.source_preferred AS sourcePreferred, p.source_score_a AS scoreA, p.source_score_b AS scoreB, p.source_id AS sourceId, p.metadata
			 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
			 JOIN tasks tk ON tk.id = p.task_id LEFT JOIN instances i ON i.id = p.instance_id
			 WHERE p.dataset_id = ? ORDER BY p.id`
		)
		.iterate(datasetId);
	for (const r of rows) {
		if ((tasks && !tasks.has(r.taskId)) || (labelled && !labelled.has(r.id))) continue;
		const reviewers = verdict(r.id);
		if (reviewers !== null) {
			tally.reviewersVerdicts++;
			if (reviewers !== r.sourcePreferred) tally.sourceVerdictsReplaced++;
			for (const id of verdict.audits(r.id)) tally.audits.add(id);
		}
		const preferred = reviewers ?? r.sourcePreferred;
		yield {
			prompt: r.prompt,
			responseA: r.responseA,
			responseB: r.responseB,
			preferred,
			modelA: sourcePairModel(r.modelA, 'a'),
			modelB: sourcePairModel(r.modelB, 'b'),
			scoreA: r.scoreA,
			scoreB: r.scoreB,
			sourceId: r.sourceId,
			metadata: parseJson(r.metadata)
		};
	}
}

interface TaskRow {
	id: number;
	instruction: string;
	sourceId: string | null;
	name: string | null;
	metadata: string | null;
}

/** A stored task back as the parsed record it came from (examples, instances with ids and every reference output). */
function superNiTaskOf(client: Database.Database, task: TaskRow) {
	const examples = client
		.prepare<[number], { kind: 'positive' | 'negative'; input: string; output: string; explanation: string; extra: string | null }>('SELECT kind, input, output, explanation, extra FROM task_examples WHERE task_id = ? ORDER BY kind DESC, position')
		.all(task.id);
	const record: ParsedTask = {
		kind: 'task',
		location: { line: 1 },
		instruction: task.instruction,
		sourceId: task.sourceId,
		name: task.name,
		metadata: parseJson(task.metadata),
		instances: [],
		examples: examples.map((e) => ({ kind: e.kind, input: e.input, output: e.output, explanation: e.explanation, extra: parseJson(e.extra) }))
	};
	const { task: header } = superNiExportOf(record, task.sourceId ?? task.name ?? `task${task.id}`);
	// A function, not an open cursor: a cursor left unread keeps the connection busy.
	const instances = () =>
		client
			.prepare<[number], { sourceId: string | null; input: string; output: string; refs: string | null }>('SELECT source_id AS sourceId, input, output, reference_outputs AS refs FROM instances WHERE task_id = ? ORDER BY id')
			.iterate(task.id);
	return { header, instances };
}

/**
 * `name`, or `name-<id>` (then `-<id>-2`, …) when a file of that name is already written — compared
 * case-insensitively, as macOS and Windows file systems compare them: `A_B.json` would overwrite
 * `a_b.json` there. Records the name chosen in `used` (lower-cased).
 */
export function uniqueFileName(name: string, id: number, used: Set<string>): string {
	const [stem, ext] = /^(.*?)(\.[^.]*)?$/.exec(name)!.slice(1) as [string, string | undefined];
	let chosen = name;
	for (let n = 1; used.has(chosen.toLowerCase()); n++) chosen = `${stem}-${id}${n > 1 ? `-${n}` : ''}${ext ?? ''}`;
	used.add(chosen.toLowerCase());
	return chosen;
}

function taskFileName(header: { taskName: string }): string {
	return `${header.taskName.replace(/[^\w.-]+/g, '_')}.json`;
}

/** One SuperNI task file, streamed. */
function* superNiChunks(client: Database.Database, task: TaskRow): Generator<string> {
	const { header, instances } = superNiTaskOf(client, task);
	const writer = new SuperNiTaskWriter(header);
	yield writer.begin();
	for (const i of instances()) yield writer.instance({ sourceId: i.sourceId, input: i.input, outputs: parseJson<string[]>(i.refs) ?? [i.output] });
	yield writer.end();
}

function tasksOf(client: Database.Database, datasetId: number, tasks: Set<number> | null): Iterable<TaskRow> {
	const rows = client
		.prepare<[number], TaskRow>('SELECT id, instruction, source_id AS sourceId, name, metadata FROM tasks WHERE dataset_id = ? ORDER BY id')
		.all(datasetId);
	return tasks ? rows.filter((r) => tasks.has(r.id)) : rows;
}

export interface ShapeExportStream {
	fileName: string;
	mimeType: string;
	chunks(): Generator<string>;
	/** Once the chunks are done: what was written, with the file's bytes and SHA-256. */
	manifest(): ShapeExportManifest;
}

/** A one-file shape export (conversations, pairs, or one SuperNI task), streamed. */
export function startShapeExport(request: ShapeExportRequest, database: Db = db()): ShapeExportStream {
	const client = database.$client;
	const dataset = getDataset(request.datasetId, database);
	if (!dataset) throw new ExportFilterError(receivingImport({ id: request.datasetId }, database) ?? `No dataset with id ${request.datasetId}.`);
	checkShapeFilters(client, dataset.id, request.format, request.filters ?? {});
	const tasks = selectedTasks(client, dataset.id, request.filters, request.format);
	const labelled = labelledShapes(client, dataset.id, request.format, request.filters);
	const counts: ShapeExportCounts = { records: 0 };
	const tally: ReviewersVerdictTally = { reviewersVerdicts: 0, sourceVerdictsReplaced: 0, audits: new Set() };
	const slug = dataset.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'export';
	let fileName: string;
	let chunks: () => Generator<string>;
	if (request.format === 'superni') {
		const all = [...tasksOf(client, dataset.id, tasks)];
		const task = request.taskId !== undefined ? all.find((t) => t.id === request.taskId) : all.length === 1 ? all[0] : undefined;
		if (!task) {
			throw new ExportFilterError(
				request.taskId !== undefined
					? `Task ${request.taskId} is not in dataset "${dataset.name}" (or not in the selection).`
					: `SuperNI writes one file per task and the selection holds ${all.length} tasks; download one task from its page, or export the folder with the command line (export --format superni --out <folder>).`
			);
		}
		fileName = taskFileName(superNiTaskOf(client, task).header);
		chunks = function* () {
			yield* superNiChunks(client, task);
			counts.records = 1;
		};
	} else if (request.format === 'preference-pairs') {
		fileName = `${slug}.pairs.jsonl`;
		chunks = function* () {
			const serializer = preferencePairSerializer({ ties: request.ties ?? 'omit' });
			for (const p of pairsOf(client, dataset.id, tasks, labelled, request.filters?.audits ?? [], tally)) {
				const text = serializer.write(p);
				if (text) yield text;
			}
			const { written, ...leftOut } = serializer.counts;
			Object.assign(counts, { records: written, ...leftOut, reviewersVerdicts: tally.reviewersVerdicts, sourceVerdictsReplaced: tally.sourceVerdictsReplaced });
		};
	} else {
		const chat = request.format === 'chat-conversations' ? chatConversationSerializer() : null;
		const serializer: ShapeSerializer<{ id?: string | null; turns: ParsedTurn[]; metadata?: Record<string, unknown> | null }> = chat ?? shareGptSerializer();
		fileName = `${slug}.${request.format === 'sharegpt' ? 'sharegpt' : 'chat'}.jsonl`;
		chunks = function* () {
			yield serializer.begin();
			for (const c of conversationsOf(client, dataset.id, tasks, labelled)) {
				const text = serializer.write({ id: c.sourceId, turns: c.turns, metadata: c.metadata });
				if (text) yield text;
				if (text || !chat) counts.records++;
			}
			yield serializer.end();
			if (chat) counts.unreadableToolCallsLeftOut = chat.counts.unreadableToolCallsLeftOut;
		};
	}
	const createdAt = new Date().toISOString();
	const measured = new MeasuredFile();
	let written: ShapeExportFile | null = null;
	return {
		fileName,
		mimeType: request.format === 'superni' ? 'application/json; charset=utf-8' : 'application/jsonl; charset=utf-8',
		chunks: function* () {
			yield* measured.through(chunks());
			written = measured.file(fileName);
		},
		manifest: () => ({
			kind: 'instruct-audit-shape-export',
			createdAt,
			app: appVersion(),
			format: request.format,
			dataset: { id: dataset.id, name: dataset.name },
			filters: shapeFilterDescriptions(request.format, request.filters ?? {}),
			...(request.format === 'preference-pairs' ? { ties: request.ties ?? 'omit', reviewersVerdictsFrom: { audits: [...tally.audits].sort((a, b) => a - b) } } : {}),
			counts,
			files: [written ?? notWrittenYet()]
		})
	};
}

/**
 * What a shape export would write, without writing it (`export --count`): the export run to its
 * end for its counts (pairs and conversations left out are known only once serialized); for a
 * SuperNI folder, the task files.
 */
export function countShapeExport(request: ShapeExportRequest, database: Db = db()): Pick<ShapeExportManifest, 'format' | 'dataset' | 'counts' | 'reviewersVerdictsFrom'> {
	if (request.format === 'superni' && request.taskId === undefined) {
		const client = database.$client;
		const dataset = getDataset(request.datasetId, database);
		if (!dataset) throw new ExportFilterError(receivingImport({ id: request.datasetId }, database) ?? `No dataset with id ${request.datasetId}.`);
		checkShapeFilters(client, dataset.id, 'superni', request.filters ?? {});
		const tasks = [...tasksOf(client, dataset.id, selectedTasks(client, dataset.id, request.filters, 'superni'))];
		return { format: 'superni', dataset: { id: dataset.id, name: dataset.name }, counts: { records: tasks.length } };
	}
	const stream = startShapeExport(request, database);
	for (const _chunk of stream.chunks()) {
		// Drained only for the counts.
	}
	const { format, dataset, counts, reviewersVerdictsFrom } = stream.manifest();
	return { format, dataset, counts, reviewersVerdictsFrom };
}

/**
 * Writes a shape export: to the file `out`, or for SuperNI to the folder `out` (created), one
 * task file per task. The manifest goes beside it (`out.manifest.json`). Files are written as
 * `.partial` and renamed, so an interrupted export leaves no truncated file; when `signal` aborts
 * (Ctrl-C on the command line) the write stops and what it wrote so far is removed.
 */
export async function writeShapeExport(
	request: ShapeExportRequest,
	out: string,
	database: Db = db(),
	signal: AbortSignal = new AbortController().signal
): Promise<{ manifest: ShapeExportManifest; manifestFile: string }> {
	let manifest: ShapeExportManifest;
	/** Removes what the export wrote, when it is interrupted after its files are in place. */
	let takeBack: () => void;
	if (request.format === 'superni' && request.taskId === undefined) {
		const client = database.$client;
		const dataset = getDataset(request.datasetId, database);
		if (!dataset) throw new ExportFilterError(receivingImport({ id: request.datasetId }, database) ?? `No dataset with id ${request.datasetId}.`);
		checkShapeFilters(client, dataset.id, 'superni', request.filters ?? {});
		const tasks = [...tasksOf(client, dataset.id, selectedTasks(client, dataset.id, request.filters, 'superni'))];
		const createdFolder = !fs.existsSync(out);
		fs.mkdirSync(out, { recursive: true });
		const files: ShapeExportFile[] = [];
		const used = new Set<string>();
		// An interrupted folder export takes back its task files (a folder it found is left).
		takeBack = () => {
			for (const file of files) fs.rmSync(path.join(out, file.name), { force: true });
			if (createdFolder) fs.rmSync(out, { recursive: true, force: true });
		};
		try {
			for (const task of tasks) {
				const name = uniqueFileName(taskFileName(superNiTaskOf(client, task).header), task.id, used);
				const measured = new MeasuredFile();
				await writeThroughPartialInterruptibly(path.join(out, name), measured.through(superNiChunks(client, task)), signal);
				files.push(measured.file(name));
			}
		} catch (err) {
			takeBack();
			throw err;
		}
		manifest = {
			kind: 'instruct-audit-shape-export',
			createdAt: new Date().toISOString(),
			app: appVersion(),
			format: 'superni',
			dataset: { id: dataset.id, name: dataset.name },
			filters: shapeFilterDescriptions('superni', request.filters ?? {}),
			counts: { records: files.length },
			files
		};
	} else {
		const stream = startShapeExport(request, database);
		await writeThroughPartialInterruptibly(out, stream.chunks(), signal);
		takeBack = () => fs.rmSync(out, { force: true });
		const [file] = stream.manifest().files;
		manifest = { ...stream.manifest(), files: [{ ...file, name: path.basename(out) }] };
	}
	// A signal that came during the last writes is only delivered once the event loop turns (small
	// files are written without yielding): one turn, one last look before the manifest completes the export.
	await new Promise((resolve) => setImmediate(resolve));
	if (signal.aborted) {
		takeBack();
		signal.throwIfAborted();
	}
	const manifestFile = `${out.replace(/\/+$/, '')}.manifest.json`;
	writeThroughPartial(manifestFile, [JSON.stringify(manifest, null, 2) + '\n']);
	return { manifest, manifestFile };
}
