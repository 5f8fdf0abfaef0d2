import type Database from 'better-sqlite3';
import { DomainError } from '$lib/errors';
import { db, perConnection, type Db } from '../db';
import type { Formulation, Instance, Response, Task } from '../db/tables';
import { foldWord, holdsPhrases, PHRASE_FIELD_SEPARATOR, phrasePattern, searchTerms, searchWords, toFtsQuery } from '$lib/datasets/search';
import { characterCount, clipText, FIELD_CLIP_CHARS, LIST_CLIP_CHARS, type ClippedText } from '$lib/text/clip';
import { datasetTaskCount } from './counts';
import { ruleLabel } from '../runs/generation/progress';
import { isStoredSimilarity, SimilarityResolver } from '../runs/generation/similarity';
import { poolSeeds, readRunParams, type RunSeeds } from '../runs/generation/params';
import { getRun } from '../runs/engine/run-rows';

/** A search the index could not run (a tokenizer disagreement between versions, say): said in words, not a 500. */
export class SearchError extends DomainError {
	constructor(message: string) {
		super(message, 400, 'search');
	}
}

export interface TaskListFilters {
	/** Full-text query over instruction, inputs, constraints, outputs, turns and model responses ($lib/datasets/search: words ANDed, prefix on the last, "-word", "quoted phrases"). */
	q?: string;
	classification?: 'yes' | 'no' | 'unknown';
	emptyInput?: 'yes' | 'no';
	origin?: 'seed' | 'generated' | 'imported';
	filter?: 'kept' | 'rejected' | 'unfiltered';
	page?: number;
	pageSize?: number;
	/** 'all': count every match of a filtered or searched list, however many (see COUNT_AHEAD). */
	count?: 'all';
	/** Matches counted past the page's first row before the total is given as "at least" (default COUNT_AHEAD). */
	countAhead?: number;
	/** Rows holding a phrase search's words that are checked for its phrases past the requested page's end (default PHRASE_CANDIDATES). */
	phraseCandidates?: number;
}

/** A row of a dataset's task list; text fields hold at most LIST_CLIP_CHARS characters. */
export interface TaskListRow {
	id: number;
	instruction: string;
	isClassification: boolean | null;
	origin: string;
	instanceCount: number;
	emptyInputCount: number;
	filterStatus: string | null;
	filterRule: string | null;
	/** The rule's readable name ("Too similar to the pool (ROUGE-L)"), or null. */
	filterRuleLabel: string | null;
	firstInput: string | null;
	firstOutput: string | null;
}

export interface TaskListPage {
	rows: TaskListRow[];
	/** Matches; when totalExact is false, at least this many (counting stopped there). */
	total: number;
	totalExact: boolean;
	page: number;
	pageSize: number;
	pages: number;
	/** Set when a phrase search checked only this many rows holding all its words (the first, in import order). */
	phraseCandidates?: number;
}

const MAX_PAGE_SIZE = 200;

/**
 * How far a filtered or searched list is counted past the page's first row. Counting every
 * match of a common word in a million tasks took 0.3–0.7 s, with the server's one thread busy
 * for everyone; 10,000 take a few ms. Past that the total reads "at least", and counting all is
 * one click (count: 'all'). A dataset's unfiltered total is always exact (datasetTaskCount).
 */
export const COUNT_AHEAD = 10_000;

/** Rows holding all of a phrase search's words checked for the phrases past the requested page's end (~10 µs each). */
export const PHRASE_CANDIDATES = 5_000;
/** Deeper pages of a phrase search check no more rows than this page would. */
const MAX_PHRASE_PAGE = 1_000;

/** The most index terms a search's last word is spelled out as; past that it stays a prefix. */
const MAX_LAST_WORD_TERMS = 64;
/** Above every character: the end of the range of terms that begin with a given one. */
const AFTER_EVERY_CHARACTER = String.fromCodePoint(0x10ffff);

/**
 * Per connection (perConnection): temporary tables that cut and fold a word exactly as the
 * search index does (the same tokenizer as task_search in migrations/0001_search_fts.sql) and
 * list the index's terms.
 */
function searchVocabulary(c: Database.Database) {
	c.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_word USING fts5(word, tokenize='unicode61 remove_diacritics 2');
		CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_word_terms USING fts5vocab(temp, search_word, 'row');
		CREATE VIRTUAL TABLE IF NOT EXISTS temp.task_search_terms USING fts5vocab(main, task_search, 'row');`);
	const clear = c.prepare<[]>('DELETE FROM temp.search_word');
	const put = c.prepare<[string]>('INSERT INTO temp.search_word (word) VALUES (?)');
	const tokens = c.prepare<[], string>('SELECT term FROM temp.search_word_terms').pluck();
	const range = c.prepare<[string, string, number], string>('SELECT term FROM temp.task_search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?').pluck();
	return {
		/** The word as the index stores it: its tokens, folded. */
		fold(word: string): string[] {
			clear.run();
			put.run(word);
			const out = tokens.all();
			clear.run();
			return out;
		},
		/** Up to `limit` terms of the index that begin with `term` and are longer. */
		longer(term: string, limit: number): string[] {
			// From just past the term itself: the vocabulary counts each term's rows as it lists
			// it, and the term may be in every row; its longer forms are usually rare.
			return range.all(`${term}\u0001`, term + AFTER_EVERY_CHARACTER, limit);
		}
	};
}

/**
 * Per connection: the SQL function `search_phrases(phrases, ...fields)` (PHRASE_FIELDS)
 * that checks a candidate row of the index for a search's phrases (JSON of folded words). The
 * index has no positions; the function is called only for rows that hold all the words.
 */
function phraseCheck(c: Database.Database): true {
	let lastJson = '';
	let patterns: RegExp[] = [];
	c.function('search_phrases', { deterministic: true, varargs: true }, (json: unknown, ...texts: unknown[]) => {
		if (json !== lastJson) {
			lastJson = json as string;
			patterns = (JSON.parse(lastJson) as string[][]).map(phrasePattern);
		}
		return holdsPhrases(patterns, texts as (string | null)[]) ? 1 : 0;
	});
	return true;
}

/**
 * A task's fields as search_phrases takes them, what its search row holds (TASK_SEARCH_ROW):
 * several instances' inputs (constraints, outputs, turns, responses) are separate fields.
 */
const PHRASE_FIELDS = `t.instruction,
	(SELECT group_concat(i.input, char(${PHRASE_FIELD_SEPARATOR.codePointAt(0)})) FROM instances i WHERE i.task_id = t.id),
	(SELECT group_concat(i.constraints, char(${PHRASE_FIELD_SEPARATOR.codePointAt(0)})) FROM instances i WHERE i.task_id = t.id),
	(SELECT group_concat(i.output, char(${PHRASE_FIELD_SEPARATOR.codePointAt(0)})) FROM instances i WHERE i.task_id = t.id),
	(SELECT group_concat(ct.content, char(${PHRASE_FIELD_SEPARATOR.codePointAt(0)})) FROM conversations cv JOIN conversation_turns ct ON ct.conversation_id = cv.id WHERE cv.task_id = t.id),
	(SELECT group_concat(r.response, char(${PHRASE_FIELD_SEPARATOR.codePointAt(0)})) FROM responses r WHERE r.task_id = t.id)`;

/**
 * The index's terms that a search's last word covers as a prefix (the word itself first), or
 * undefined to leave it a prefix: when it is no single token, or begins more than
 * MAX_LAST_WORD_TERMS terms.
 */
export function lastWordTerms(c: Database.Database, q: string): string[] | undefined {
	const last = searchWords(q).at(-1);
	if (!last) return undefined;
	const vocabulary = perConnection(c, searchVocabulary);
	const folded = vocabulary.fold(last);
	if (folded.length !== 1) return undefined;
	const longer = vocabulary.longer(folded[0], MAX_LAST_WORD_TERMS + 1);
	return longer.length <= MAX_LAST_WORD_TERMS ? [folded[0], ...longer] : undefined;
}

/** One page of a dataset's tasks with the first instance of each, filtered and searched. */
export function listTasks(datasetId: number, filters: TaskListFilters = {}, database: Db = db()): TaskListPage {
	const c = database.$client;
	const pageSize = Math.min(Math.max(filters.pageSize ?? 50, 1), MAX_PAGE_SIZE);
	const where: string[] = ['t.dataset_id = ?'];
	const params: unknown[] = [datasetId];
	if (filters.classification === 'yes') where.push('t.is_classification = 1');
	if (filters.classification === 'no') where.push('t.is_classification = 0');
	if (filters.classification === 'unknown') where.push('t.is_classification IS NULL');
	if (filters.emptyInput === 'yes') where.push('t.empty_input_count > 0');
	if (filters.emptyInput === 'no') where.push('t.empty_input_count < t.instance_count');
	if (filters.origin) {
		where.push('t.origin = ?');
		params.push(filters.origin);
	}
	if (filters.filter === 'kept') where.push("t.filter_status = 'kept'");
	if (filters.filter === 'rejected') where.push("t.filter_status = 'rejected'");
	if (filters.filter === 'unfiltered') where.push('t.filter_status IS NULL');
	const fts = filters.q ? toFtsQuery(filters.q, lastWordTerms(c, filters.q)) : null;
	if (filters.q && !fts) {
		if (searchTerms(filters.q).excluded.length) throw new SearchError(`The search "${filters.q}" only leaves words out; add a word the rows must hold.`);
		throw new SearchError(`The search "${filters.q}" has no words to search for: rows are searched by words of letters or digits, and emoji, punctuation and symbols are left out.`);
	}
	// A search is driven from the index (its matches in rowid order, each checked against the
	// dataset and the filters) rather than walking the dataset's tasks through an IN list.
	let from = fts ? 'task_search s CROSS JOIN tasks t ON t.id = s.rowid' : 'tasks t';
	const unfiltered = where.length === 1 && !fts;
	let orderBy = fts ? 's.rowid' : 't.id';
	let phraseCandidatesCapped = false;
	let checkedCandidates = 0;
	if (fts) {
		where.unshift('s.task_search MATCH ?');
		params.unshift(fts);
		const phrases = searchTerms(filters.q!).phrases;
		if (phrases.length) {
			// The index has no positions: the rows holding every word (and meeting the filters) are
			// checked for the phrases one by one, ~10 µs each — as many as the requested page could
			// need, and PHRASE_CANDIDATES more (so a common phrase still pages on).
			// Counting all (what the user asked for, however long it takes) checks every candidate.
			perConnection(c, phraseCheck);
			const candidates = `SELECT s.rowid AS id FROM ${from} WHERE ${where.join(' AND ')} ORDER BY s.rowid`;
			if (filters.count === 'all') from = `(${candidates}) s CROSS JOIN tasks t ON t.id = s.id`;
			else {
				const pageEnd = Math.min(Math.max(filters.page ?? 1, 1), MAX_PHRASE_PAGE) * pageSize;
				const cap = pageEnd + Math.max(1, Math.floor(filters.phraseCandidates ?? PHRASE_CANDIDATES));
				phraseCandidatesCapped = c.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM (${candidates} LIMIT ?)`).get(...params, cap + 1)!.n > cap;
				if (phraseCandidatesCapped) checkedCandidates = cap;
				from = `(${candidates} LIMIT ${cap}) s CROSS JOIN tasks t ON t.id = s.id`;
			}
			orderBy = 's.id';
			where.splice(0, where.length, `search_phrases(?, ${PHRASE_FIELDS})`);
			params.push(JSON.stringify(phrases.map((p) => p.map(foldWord))));
		}
	}
	const whereSql = where.join(' AND ');
	const requested = Math.max(filters.page ?? 1, 1);
	let total: number;
	let totalExact = true;
	try {
		if (unfiltered) total = datasetTaskCount(c, datasetId);
		else if (filters.count === 'all') total = (c.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM ${from} WHERE ${whereSql}`).get(...params)!).n;
		else {
			// Counted up to a bound past the requested page: enough to page on, cheap however common the match.
			const bound = Math.min((requested - 1) * pageSize, Number.MAX_SAFE_INTEGER / 2) + (filters.countAhead ?? COUNT_AHEAD);
			const counted = (c.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} WHERE ${whereSql} LIMIT ?)`).get(...params, bound + 1)!).n;
			// Matches among capped phrase candidates are only the ones found so far: at least that many.
			totalExact = counted <= bound && !phraseCandidatesCapped;
			total = Math.min(counted, bound);
		}
	} catch (err) {
		if (fts && err instanceof Error && /fts5/i.test(err.message)) {
			throw new SearchError(`The search "${filters.q}" could not be run; search for whole words (letters and digits).`);
		}
		throw err;
	}
	const pages = Math.max(1, Math.ceil(total / pageSize));
	const page = Math.min(requested, pages);
	const offset = (page - 1) * pageSize;
	// Pages past the middle of an exact count are read from the end (the same rows, reversed
	// back), so no page skips more than half the matches.
	const fromEnd = totalExact && offset > total / 2;
	const order = fromEnd ? 'DESC' : 'ASC';
	const selected = c
		.prepare<unknown[], Omit<
		TaskListRow,
		'isClassification' | 'filterRuleLabel'
	> & { isClassification: number | null }>(
			// Fields are clipped in the query: a list row never carries a whole huge field.
			`SELECT t.id, substr(t.instruction, 1, ${LIST_CLIP_CHARS}) AS instruction, t.is_classification AS isClassification, t.origin,
				t.instance_count AS instanceCount, t.empty_input_count AS emptyInputCount,
				t.filter_status AS filterStatus, substr(t.filter_rule, 1, ${LIST_CLIP_CHARS}) AS filterRule,
				(SELECT substr(input, 1, ${LIST_CLIP_CHARS}) FROM instances WHERE task_id = t.id ORDER BY id LIMIT 1) AS firstInput,
				(SELECT substr(output, 1, ${LIST_CLIP_CHARS}) FROM instances WHERE task_id = t.id ORDER BY id LIMIT 1) AS firstOutput
			 FROM ${from} WHERE ${whereSql} ORDER BY ${orderBy} ${order} LIMIT ? OFFSET ?`
		)
		.all(...params, fromEnd ? Math.min(pageSize, total - offset) : pageSize, fromEnd ? Math.max(0, total - offset - pageSize) : offset);
	const rows = fromEnd ? selected.reverse() : selected;
	return {
		rows: rows.map((r) => ({ ...r, isClassification: r.isClassification == null ? null : r.isClassification === 1, filterRuleLabel: r.filterRule === null ? null : ruleLabel(r.filterRule) })),
		total,
		totalExact,
		page,
		pageSize,
		pages,
		...(phraseCandidatesCapped ? { phraseCandidates: checkedCandidates } : {})
	};
}

export interface TaskExampleRow {
	id: number;
	kind: 'positive' | 'negative';
	input: string;
	output: string;
	explanation: string;
}

export interface ConversationDetail {
	id: number;
	sourceId: string | null;
	warnings: string[];
	/** `extra`: the turn's other fields as the source gave them (JSON: tool_calls, tool_call_id, …), or null. */
	turns: { id: number; position: number; role: string; sourceRole: string | null; content: string; extra: string | null }[];
}

export interface PairDetail {
	id: number;
	prompt: string | null;
	modelA: string;
	modelB: string;
	responseA: string;
	responseB: string;
	sourcePreferred: string | null;
}

/** Instances a task page shows at once: a task of 3,000 instances made a 2.8 MB page. */
export const INSTANCES_PER_PAGE = 100;

/** Which of a task's instances to load: a page, or the page holding one instance (when no page is asked for). */
export interface InstancePaging {
	page?: number;
	instanceId?: number;
	pageSize?: number;
}

/** The page of a task's instances loaded (all of them, unpaged: one page). */
export interface InstancePage {
	page: number;
	pages: number;
	total: number;
	pageSize: number;
}

export interface TaskDetail {
	task: Task;
	/** Every instance, or the page of them asked for (instancePage). */
	instances: Instance[];
	instancePage: InstancePage;
	formulations: Formulation[];
	responses: Response[];
	/** SuperNI's positive and negative examples. */
	examples: TaskExampleRow[];
	conversations: ConversationDetail[];
	pairs: PairDetail[];
	provenance: { importFile: string | null; importedAt: Date | null; runId: number | null };
	/** A generated instruction's ROUGE-L record (metadata.rougeL), its pool references resolved to texts. */
	similarity: TaskSimilarity | null;
}

export interface TaskSimilarity {
	max: number;
	mean: number;
	pool: number;
	/** The most similar pool instructions, highest first: a task of the dataset (taskId) or the run's seed (seed, 1-based). */
	similar: Array<{ score: number; text: string; taskId: number | null; seed: number | null }>;
}

/** metadata.rougeL of a task a Self-Instruct or Alpaca run wrote, read back with the texts it points to. */
function taskSimilarity(task: Task, database: Db): TaskSimilarity | null {
	const stored = (task.metadata as Record<string, unknown> | null)?.rougeL;
	if (!isStoredSimilarity(stored) || task.runId === null) return null;
	const run = getRun(task.runId, database);
	if (!run) return null;
	const resolver = new SimilarityResolver(database, poolSeeds(readRunParams(run.params), run.seeds as RunSeeds));
	return {
		max: stored.max,
		mean: stored.mean,
		pool: stored.pool,
		similar: stored.similar.map(([ref, score]) => ({
			score,
			text: resolver.text(ref),
			taskId: typeof ref === 'number' ? ref : null,
			seed: typeof ref === 'string' ? Number(ref.slice('seed:'.length)) + 1 : null
		}))
	};
}

/** Which page of a task's instances to show: the one asked for (clamped), else the one holding `instanceId`, else the first. */
function instancePageOf(c: Database.Database, taskId: number, paging: InstancePaging): InstancePage {
	const pageSize = Math.min(Math.max(Math.floor(paging.pageSize ?? INSTANCES_PER_PAGE), 1), 1000);
	const total = c.prepare<[number], number>('SELECT count(*) FROM instances WHERE task_id = ?').pluck().get(taskId)!;
	const pages = Math.max(1, Math.ceil(total / pageSize));
	let page = paging.page ?? 1;
	if (paging.page === undefined && paging.instanceId !== undefined) {
		const before = c
			.prepare<[{ task: number; instance: number }], number | null>('SELECT CASE WHEN EXISTS (SELECT 1 FROM instances WHERE id = @instance AND task_id = @task) THEN (SELECT count(*) FROM instances WHERE task_id = @task AND id < @instance) END')
			.pluck()
			.get({ task: taskId, instance: paging.instanceId });
		if (before != null) page = Math.floor(before / pageSize) + 1;
	}
	return { page: Math.min(Math.max(Math.floor(page), 1), pages), pages, total, pageSize };
}

export function getTaskDetail(datasetId: number, taskId: number, database: Db = db(), paging?: InstancePaging): TaskDetail | null {
	const task = database.query.tasks.findFirst({ where: (t, { and, eq }) => and(eq(t.id, taskId), eq(t.datasetId, datasetId)) }).sync();
	if (!task) return null;
	const instancePage = paging ? instancePageOf(database.$client, taskId, paging) : undefined;
	const instances = database.query.instances
		.findMany({
			where: (i, { eq }) => eq(i.taskId, taskId),
			orderBy: (i, { asc }) => asc(i.id),
			...(instancePage ? { limit: instancePage.pageSize, offset: (instancePage.page - 1) * instancePage.pageSize } : {})
		})
		.sync();
	const formulations = database.query.formulations
		.findMany({ where: (f, { eq }) => eq(f.taskId, taskId), orderBy: (f, { asc }) => asc(f.id) })
		.sync();
	const responses = database.query.responses
		.findMany({ where: (r, { eq }) => eq(r.taskId, taskId), orderBy: (r, { asc }) => [asc(r.model), asc(r.id)] })
		.sync();
	const imp = task.importId
		? database.query.imports.findFirst({ where: (i, { eq }) => eq(i.id, task.importId!) }).sync()
		: undefined;
	const c = database.$client;
	const examples = c
		.prepare<[number], TaskExampleRow>('SELECT id, kind, input, output, explanation FROM task_examples WHERE task_id = ? ORDER BY kind DESC, position')
		.all(taskId);
	const conversationRows = c.prepare<[number], {
		id: number;
		sourceId: string | null;
		warnings: string | null;
	}>('SELECT id, source_id AS sourceId, warnings FROM conversations WHERE task_id = ? ORDER BY id').all(taskId);
	const turnsOf = c.prepare<[number], ConversationDetail['turns'][number]>(
		'SELECT id, position, role, source_role AS sourceRole, content, extra FROM conversation_turns WHERE conversation_id = ? ORDER BY position'
	);
	const conversations = conversationRows.map((r) => ({
		id: r.id,
		sourceId: r.sourceId,
		warnings: r.warnings ? (JSON.parse(r.warnings) as string[]) : [],
		turns: turnsOf.all(r.id)
	}));
	const pairs = c
		.prepare<[number], PairDetail>(
			`SELECT p.id, p.prompt, a.model AS modelA, b.model AS modelB, a.response AS responseA, b.response AS responseB, p.source_preferred AS sourcePreferred
			 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
			 WHERE p.task_id = ? ORDER BY p.id`
		)
		.all(taskId);
	return {
		task,
		instances,
		instancePage: instancePage ?? { page: 1, pages: 1, total: instances.length, pageSize: Math.max(1, instances.length) },
		formulations,
		responses,
		examples,
		conversations,
		pairs,
		provenance: { importFile: imp?.fileName ?? null, importedAt: imp?.createdAt ?? null, runId: task.runId },
		similarity: taskSimilarity(task, database)
	};
}

/**
 * What the task page shows: every text field clipped to FIELD_CLIP_CHARS (with its full length)
 * unless named in `expand` ("instruction", "instance-<id>-input", "response-<id>", … or "all"),
 * and none of the columns the page does not show.
 */
export interface TaskPageView {
	task: {
		id: number;
		name: ClippedText | null;
		instruction: ClippedText;
		isClassification: boolean | null;
		origin: string;
		sourceId: string | null;
		filterStatus: string | null;
		filterRule: string | null;
		/** The rule's readable name, as the list and the funnel say it. */
		filterRuleLabel: string | null;
		/** What the rule found, without the rule's code its detail may begin with (the label says it). */
		filterDetail: ClippedText | null;
		metadata: Array<{ key: string; value: ClippedText }>;
	};
	/** The ROUGE-L record in words and links, instead of its stored form among the metadata. */
	similarity: (Omit<TaskSimilarity, 'similar'> & { similar: Array<Omit<TaskSimilarity['similar'][number], 'text'> & { text: ClippedText }> }) | null;
	examples: Array<{ id: number; kind: 'positive' | 'negative'; input: ClippedText; output: ClippedText; explanation: ClippedText }>;
	conversations: Array<{
		id: number;
		sourceId: string | null;
		warnings: string[];
		turns: Array<{ id: number; position: number; role: string; sourceRole: string | null; content: ClippedText; extra: ClippedText | null }>;
	}>;
	pairs: Array<{ id: number; prompt: ClippedText | null; modelA: string; modelB: string; responseA: ClippedText; responseB: ClippedText; sourcePreferred: string | null }>;
	instances: Array<{
		id: number;
		sourceId: string | null;
		/** Every reference output when the source has more than one (SuperNI). */
		referenceOutputs: ClippedText[];
		input: ClippedText;
		output: ClippedText;
		constraints: ClippedText | null;
		/** An instruction / input / output row's other fields, as the task's metadata is shown. */
		metadata: Array<{ key: string; value: ClippedText }>;
		filterStatus: string | null;
		filterRule: string | null;
		filterRuleLabel: string | null;
	}>;
	instancePage: InstancePage;
	formulations: Array<{ id: number; instruction: ClippedText }>;
	responses: Array<{ id: number; model: string; response: ClippedText }>;
	provenance: TaskDetail['provenance'];
}

function withoutKey(record: Record<string, unknown> | null, key: string): Record<string, unknown> | null {
	if (!record) return record;
	const { [key]: _dropped, ...rest } = record;
	return rest;
}

/** A stored JSON value laid out to read (as stored, when it is not JSON). */
function prettyJson(text: string): string {
	try {
		return JSON.stringify(JSON.parse(text), null, 2);
	} catch {
		return text;
	}
}

/** A verdict's detail without the rule's code it may begin with ("rougeL 0.93 vs …" → "0.93 vs …"): the page names the rule in words. */
function withoutRuleCode(detail: string | null, rule: string | null): string | null {
	return detail !== null && rule !== null && detail.startsWith(`${rule} `) ? detail.slice(rule.length + 1) : detail;
}

export function taskPageView(detail: TaskDetail, expand: ReadonlySet<string> = new Set()): TaskPageView {
	const clip = (key: string, text: string): ClippedText =>
		expand.has('all') || expand.has(key) ? { text, length: characterCount(text) } : clipText(text, FIELD_CLIP_CHARS);
	const clipOrNull = (key: string, text: string | null): ClippedText | null => (text === null ? null : clip(key, text));
	const { task } = detail;
	const metadataView = (metadata: Record<string, unknown> | null, prefix: string) =>
		Object.entries(metadata ?? {}).map(([key, value]) => ({
			key: clipText(key, LIST_CLIP_CHARS).text,
			value: clip(`${prefix}-${key}`, typeof value === 'string' ? value : JSON.stringify(value))
		}));
	return {
		task: {
			id: task.id,
			name: clipOrNull('name', task.name),
			instruction: clip('instruction', task.instruction),
			isClassification: task.isClassification,
			origin: task.origin,
			sourceId: task.sourceId === null ? null : clipText(task.sourceId, LIST_CLIP_CHARS).text,
			filterStatus: task.filterStatus,
			filterRule: task.filterRule,
			filterRuleLabel: task.filterRule === null ? null : ruleLabel(task.filterRule),
			filterDetail: clipOrNull('filter-detail', withoutRuleCode(task.filterDetail, task.filterRule)),
			metadata: metadataView(detail.similarity ? withoutKey(task.metadata, 'rougeL') : task.metadata, 'metadata')
		},
		similarity: detail.similarity && {
			...detail.similarity,
			similar: detail.similarity.similar.map((s) => ({ ...s, text: clipText(s.text, LIST_CLIP_CHARS) }))
		},
		examples: detail.examples.map((e) => ({
			id: e.id,
			kind: e.kind,
			input: clip(`example-${e.id}-input`, e.input),
			output: clip(`example-${e.id}-output`, e.output),
			explanation: clip(`example-${e.id}-explanation`, e.explanation)
		})),
		conversations: detail.conversations.map((conv) => ({
			...conv,
			turns: conv.turns.map((t) => ({ ...t, content: clip(`turn-${t.id}`, t.content), extra: t.extra === null ? null : clip(`turn-${t.id}-extra`, prettyJson(t.extra)) }))
		})),
		pairs: detail.pairs.map((p) => ({
			id: p.id,
			prompt: clipOrNull(`pair-${p.id}-prompt`, p.prompt),
			modelA: p.modelA,
			modelB: p.modelB,
			responseA: clip(`pair-${p.id}-a`, p.responseA),
			responseB: clip(`pair-${p.id}-b`, p.responseB),
			sourcePreferred: p.sourcePreferred
		})),
		instances: detail.instances.map((i) => ({
			id: i.id,
			sourceId: i.sourceId,
			referenceOutputs: (i.referenceOutputs ?? []).map((o, n) => clip(`instance-${i.id}-ref-${n}`, o)),
			input: clip(`instance-${i.id}-input`, i.input),
			output: clip(`instance-${i.id}-output`, i.output),
			constraints: clipOrNull(`instance-${i.id}-constraints`, i.constraints),
			metadata: metadataView(i.metadata, `instance-${i.id}-metadata`),
			filterStatus: i.filterStatus,
			filterRule: i.filterRule,
			filterRuleLabel: i.filterRule === null ? null : ruleLabel(i.filterRule)
		})),
		instancePage: detail.instancePage,
		formulations: detail.formulations.map((f) => ({ id: f.id, instruction: clip(`formulation-${f.id}`, f.instruction) })),
		responses: detail.responses.map((r) => ({ id: r.id, model: r.model, response: clip(`response-${r.id}`, r.response) })),
		provenance: detail.provenance
	};
}

export function listImports(datasetId: number, database: Db = db()) {
	return database.query.imports
		.findMany({ where: (i, { eq }) => eq(i.datasetId, datasetId), orderBy: (i, { desc }) => desc(i.id) })
		.sync();
}
