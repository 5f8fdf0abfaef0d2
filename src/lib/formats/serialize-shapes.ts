/**
 * Writing the richer shapes back: SuperNI task files, multi-turn conversations as ShareGPT or
 * OpenAI chat JSON Lines with every turn, and preference pairs as {prompt, chosen, rejected}
 * JSON Lines. Pure and streaming like serialize.ts: `begin()`, `write(record)` per record (per
 * instance for a task file), `end()`; the chunks concatenated are the file. What the parsers
 * read, these write, so parse → write → parse gives the same records.
 */
import { OPENAI_CHAT_SHAPE, SHAREGPT_SHAPE, carriesCall, isFunctionCallTurn, speakerName, toolCallsOf, type ConversationShape, type OpenAiToolCall } from './conversation';
import { SUPERNI_DEFINITION, SUPERNI_FIELD_ORDER, SUPERNI_INSTANCES, SUPERNI_NEGATIVE, SUPERNI_POSITIVE } from './superni';
import type { PairPreference, ParsedExample, ParsedTask, ParsedTurn } from './types';
import { isNumberLiteral, NUMBER_LITERAL_KEY, stringifyKeepingNumbers } from './number-literals';
import { hhPromptInstruction, hhReplyWithTag } from './prompt-shape';

// ---- SuperNI task files ----

/** A task as SuperNI writes it; `metadata` holds the descriptive members under their own names. */
export interface SuperNiTaskExport {
	/** Names the file and the generated instance ids ("task063_first_i_elements"). */
	taskName: string;
	/** The definition: one string (the instruction) or the list the source had. */
	definition: string[];
	examples: readonly ParsedExample[];
	metadata?: Record<string, unknown> | null;
}

export interface SuperNiInstanceExport {
	/** The instance id; `${taskName}-${n}` (n counting from 0) when there is none. */
	sourceId?: string | null;
	input: string;
	/** Every reference output, at least one. */
	outputs: readonly string[];
}

/** Members every released task file has; written (empty) when the source has nothing for them. */
const SUPERNI_LIST_MEMBERS = SUPERNI_FIELD_ORDER.filter(
	(k) => k !== SUPERNI_DEFINITION && k !== SUPERNI_POSITIVE && k !== SUPERNI_NEGATIVE && k !== SUPERNI_INSTANCES
);

/** JSON.stringify with 4-space indentation (the released files' layout), every line after the first indented by `pad`. */
function pretty(value: unknown, pad: string): string {
	return stringifyKeepingNumbers(value, 4).replace(/\n/g, '\n' + pad);
}

function exampleObject(e: ParsedExample): Record<string, unknown> {
	return { input: e.input, output: e.output, explanation: e.explanation, ...(e.extra ?? {}) };
}

/**
 * One task file, streamed: begin() writes every member up to the opening of "Instances",
 * instance() each instance, end() closes the list and writes the members that follow it
 * ("Instance License", then anything else the metadata holds). Members are in the released
 * files' order, with 4-space indentation.
 */
export class SuperNiTaskWriter {
	private count = 0;
	private readonly metadata: Record<string, unknown>;

	constructor(private readonly task: SuperNiTaskExport) {
		this.metadata = { ...(task.metadata ?? {}) };
		delete this.metadata[SUPERNI_DEFINITION];
	}

	begin(): string {
		const members: string[] = [];
		const add = (key: string, value: unknown) => members.push(`    ${JSON.stringify(key)}: ${pretty(value, '    ')}`);
		for (const key of SUPERNI_FIELD_ORDER) {
			if (key === SUPERNI_INSTANCES) break;
			if (key === SUPERNI_DEFINITION) add(key, this.task.definition);
			else if (key === SUPERNI_POSITIVE || key === SUPERNI_NEGATIVE) {
				const kind = key === SUPERNI_POSITIVE ? 'positive' : 'negative';
				add(key, this.task.examples.filter((e) => e.kind === kind).map(exampleObject));
			} else add(key, this.metadata[key] ?? []);
		}
		return `{\n${members.join(',\n')},\n    ${JSON.stringify(SUPERNI_INSTANCES)}: [`;
	}

	instance(instance: SuperNiInstanceExport): string {
		if (instance.outputs.length === 0) throw new RangeError('a SuperNI instance needs at least one reference output');
		const id = instance.sourceId ?? `${this.task.taskName}-${this.count}`;
		const text = (this.count === 0 ? '\n        ' : ',\n        ') + pretty({ id, input: instance.input, output: instance.outputs }, '        ');
		this.count++;
		return text;
	}

	end(): string {
		const after: string[] = [];
		const trailing = SUPERNI_FIELD_ORDER.slice(SUPERNI_FIELD_ORDER.indexOf(SUPERNI_INSTANCES) + 1);
		for (const key of trailing) after.push(`    ${JSON.stringify(key)}: ${pretty(this.metadata[key] ?? [], '    ')}`);
		const known = new Set<string>(SUPERNI_LIST_MEMBERS);
		for (const key of Object.keys(this.metadata)) {
			if (!known.has(key)) after.push(`    ${JSON.stringify(key)}: ${pretty(this.metadata[key], '    ')}`);
		}
		return `${this.count ? '\n    ' : ''}],\n${after.join(',\n')}\n}\n`;
	}
}

/** What a parsed SuperNI task (or any task) writes back as. */
export function superNiExportOf(task: ParsedTask, taskName = task.sourceId ?? task.name ?? 'task'): {
	task: SuperNiTaskExport;
	instances: SuperNiInstanceExport[];
} {
	const listed = task.metadata?.[SUPERNI_DEFINITION];
	const definition = Array.isArray(listed) && listed.every((d) => typeof d === 'string') ? (listed as string[]) : [task.instruction];
	return {
		task: { taskName, definition, examples: task.examples ?? [], metadata: task.metadata },
		instances: task.instances.map((i) => ({ sourceId: i.sourceId ?? null, input: i.input, outputs: i.outputs ?? [i.output] }))
	};
}

/** A whole task file at once (tests and small exports). */
export function superNiTaskFile(task: SuperNiTaskExport, instances: Iterable<SuperNiInstanceExport>): string {
	const writer = new SuperNiTaskWriter(task);
	let text = writer.begin();
	for (const instance of instances) text += writer.instance(instance);
	return text + writer.end();
}

// ---- conversations ----

export interface ConversationExport {
	/** The source row's id (ShareGPT's conversation id), written as `id`; none is never made up. */
	id?: string | null;
	turns: readonly ParsedTurn[];
	/** Other fields of the row, written beside the turns. */
	metadata?: Record<string, unknown> | null;
}

export interface ShapeSerializer<T> {
	begin(): string;
	write(record: T): string;
	end(): string;
}

/** The conversation a parsed chat or ShareGPT row carries, ready to write. */
export function conversationExportOf(task: ParsedTask): ConversationExport {
	if (!task.conversation) throw new TypeError('the task carries no conversation');
	return { id: task.sourceId ?? null, turns: task.conversation.turns, metadata: task.conversation.metadata ?? null };
}

function shareGptTurn(t: ParsedTurn): Record<string, unknown> {
	// name and weight (an OpenAI chat turn's) are kept beside from/value, as ShareGPT keeps a turn's other fields.
	return { from: speakerName(t, SHAREGPT_SHAPE), value: t.content, ...(t.name != null ? { name: t.name } : {}), ...(t.weight != null ? { weight: t.weight } : {}), ...(t.extra ?? {}) };
}

function chatMessage(t: ParsedTurn): Record<string, unknown> {
	const m: Record<string, unknown> = { role: speakerName(t, OPENAI_CHAT_SHAPE) };
	// An assistant turn that only calls tools has null content in the API's shape.
	m.content = t.content === '' && carriesCall(t.extra) ? null : t.content;
	if (t.name != null) m.name = t.name;
	if (t.weight != null) m.weight = t.weight;
	return { ...m, ...(t.extra ?? {}) };
}

/**
 * The id a row is written with: its source id, as the number the source wrote when it was one
 * (kept beside it: a number, or a literal such as 1e2 that stringifyKeepingNumbers writes bare).
 */
function writtenId(sourceId: string | null | undefined, kept: unknown): unknown {
	if (typeof kept === 'number' && (sourceId == null || sourceId === String(kept))) return kept;
	if (isNumberLiteral(kept) && (sourceId == null || sourceId === kept[NUMBER_LITERAL_KEY])) return kept;
	return sourceId ?? kept ?? null;
}

function conversationId(c: ConversationExport): unknown {
	return writtenId(c.id, c.metadata?.id);
}

function rowWithout(metadata: Record<string, unknown> | null | undefined, taken: readonly string[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(metadata ?? {})) if (!taken.includes(k)) out[k] = v;
	return out;
}

/**
 * ShareGPT / FastChat rows {id, conversations: [{from, value}]}, every turn, as JSON Lines or
 * one JSON array (FastChat's training script reads the array). Speakers are human / gpt /
 * system / tool, or the source's own ShareGPT name (chatgpt, bard, …) when it had one.
 */
export function shareGptSerializer(options: { container?: 'jsonl' | 'array' } = {}): ShapeSerializer<ConversationExport> {
	const array = options.container === 'array';
	let first = true;
	return {
		begin: () => (array ? '[' : ''),
		write: (c) => {
			// The source's id: ShareGPT's own, or an OpenAI chat row's `id` field; a row without one is written without one.
			const id = conversationId(c);
			const row = { ...(id != null ? { id } : {}), conversations: c.turns.map(shareGptTurn), ...rowWithout(c.metadata, ['id', 'conversations']) };
			const text = array ? (first ? '\n' : ',\n') + stringifyKeepingNumbers(row) : stringifyKeepingNumbers(row) + '\n';
			first = false;
			return text;
		},
		end: () => (array ? (first ? ']\n' : '\n]\n') : '')
	};
}

/**
 * The messages of a conversation as OpenAI chat writes them. A ShareGPT function_call turn becomes
 * an assistant message with `tool_calls` (ids call_0, call_1, … within the conversation) and the
 * tool turns after it answer those calls in order (`tool_call_id`), as an OpenAI chat import stores
 * them. Null when a function_call turn's text is not a call (see toolCallsOf).
 */
export function chatMessagesOf(turns: readonly ParsedTurn[]): Record<string, unknown>[] | null {
	const messages: Record<string, unknown>[] = [];
	let unanswered: OpenAiToolCall[] = [];
	let calls = 0;
	for (const t of turns) {
		if (isFunctionCallTurn(t)) {
			const toolCalls = toolCallsOf(t.content, calls);
			if (!toolCalls) return null;
			calls += toolCalls.length;
			unanswered = [...toolCalls];
			messages.push({ ...chatMessage({ ...t, content: '' }), content: null, tool_calls: toolCalls });
			continue;
		}
		const m = chatMessage(t);
		if (t.role === 'tool') {
			const answered = unanswered.shift();
			if (answered && m.tool_call_id === undefined) m.tool_call_id = answered.id;
		} else unanswered = [];
		messages.push(m);
	}
	return messages;
}

/**
 * OpenAI chat fine-tuning rows {id?, messages: [{role, content, name?, weight?}]}, every turn; a
 * ShareGPT row's id is kept as `id`. A conversation whose function_call turn is not a call is left
 * out (counted): its tool messages could not be tied to their call.
 */
export function chatConversationSerializer(): ShapeSerializer<ConversationExport> & { readonly counts: { written: number; unreadableToolCallsLeftOut: number } } {
	const counts = { written: 0, unreadableToolCallsLeftOut: 0 };
	return {
		counts,
		begin: () => '',
		write: (c) => {
			const messages = chatMessagesOf(c.turns);
			if (!messages) {
				counts.unreadableToolCallsLeftOut++;
				return '';
			}
			counts.written++;
			const id = conversationId(c);
			return stringifyKeepingNumbers({ ...(id != null ? { id } : {}), messages, ...rowWithout(c.metadata, id != null ? ['id', 'messages'] : ['messages']) }) + '\n';
		},
		end: () => ''
	};
}

export const CONVERSATION_SHAPES: Readonly<Record<'sharegpt' | 'openai-chat', ConversationShape>> = {
	sharegpt: SHAREGPT_SHAPE,
	'openai-chat': OPENAI_CHAT_SHAPE
};

// ---- preference pairs ----

export interface PreferencePairExport {
	prompt: string;
	responseA: string;
	responseB: string;
	/** Which side is better; a pair without one (see PairExportVerdict) is never written. */
	preferred: PairExportVerdict;
	modelA?: string | null;
	modelB?: string | null;
	scoreA?: number | null;
	scoreB?: number | null;
	/** The source row's id, written as `id` (as the number the source wrote, kept as metadata.id, when it was one). */
	sourceId?: string | null;
	/** The source row's other fields, written beside the pair as they were. */
	metadata?: Record<string, unknown> | null;
}

/**
 * A pair's verdict for the export: a side, a tie ("about the same" as the verdict), or why there is
 * no side to train on: the reviewers judged both responses bad, the reviewers disagreed (no verdict
 * given more often than every other), or nobody judged the pair (null).
 */
export type PairExportVerdict = PairPreference | 'both-bad' | 'disagreed' | null;

/** What a pairs export wrote and left out, each reason counted on its own. */
export interface PairExportCounts {
	written: number;
	tiesLeftOut: number;
	bothBadLeftOut: number;
	disagreedLeftOut: number;
	unjudgedLeftOut: number;
}

/** What a shape export left out, in words ("; 1 tie left out; 11 pairs the reviewers disagreed on left out"), or '' when nothing. */
export function shapeLeftOutSummary(counts: Partial<Omit<PairExportCounts, 'written'>> & { unreadableToolCallsLeftOut?: number }): string {
	const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
	const parts = [
		counts.tiesLeftOut ? `${count(counts.tiesLeftOut, 'tie', 'ties')} left out` : '',
		counts.disagreedLeftOut ? `${count(counts.disagreedLeftOut, 'pair', 'pairs')} the reviewers disagreed on left out` : '',
		counts.bothBadLeftOut ? `${count(counts.bothBadLeftOut, 'pair', 'pairs')} judged both bad left out` : '',
		counts.unjudgedLeftOut ? `${count(counts.unjudgedLeftOut, 'pair', 'pairs')} without a verdict left out` : '',
		counts.unreadableToolCallsLeftOut
			? `${count(counts.unreadableToolCallsLeftOut, 'conversation', 'conversations')} left out whose function_call turn is not JSON {name, arguments} (its tool messages could not name their call)`
			: ''
	];
	return parts.filter(Boolean).map((p) => `; ${p}`).join('');
}

/**
 * Whose verdict a pairs export used, in words: how many pairs the reviewers' verdict (pairwise
 * audits `audits`) decided instead of the source's preference and how many of those differ from
 * it; '' when no reviewer judged a selected pair.
 */
export function reviewersVerdictsText(counts: { reviewersVerdicts?: number; sourceVerdictsReplaced?: number }, audits: readonly number[]): string {
	const n = counts.reviewersVerdicts ?? 0;
	if (!n) return '';
	const replaced = counts.sourceVerdictsReplaced ?? 0;
	return (
		`The reviewers' verdict (pairwise audit${audits.length === 1 ? '' : 's'} ${audits.join(', ')}) is used for ${n} ${n === 1 ? 'pair' : 'pairs'} instead of the source's preference; ` +
		(replaced ? `${replaced} of them ${replaced === 1 ? 'differs' : 'differ'} from it (sides swapped, a source tie given a winner, or left out as disagreed or both bad).` : 'it agrees with the source on every one.')
	);
}

/** The members a pair row is written with; a metadata field of the same name would change what the row says, so it gives way. */
const PAIR_ROW_FIELDS = ['id', 'prompt', 'chosen', 'rejected', 'tie', 'chosen_model', 'rejected_model', 'chosen_score', 'rejected_score'] as const;

/** Ties: left out (a DPO trainer needs a winner), or kept with `"tie": true` (responses in their A, B order). */
export type TiePolicy = 'omit' | 'flag';

/** The {prompt, chosen, rejected} row of a judged pair, or null when the pair is not written. */
export function preferencePairRow(pair: PreferencePairExport, ties: TiePolicy = 'omit'): Record<string, unknown> | null {
	if (pair.preferred === null || pair.preferred === 'both-bad' || pair.preferred === 'disagreed') return null;
	if (pair.preferred === 'tie' && ties === 'omit') return null;
	const aFirst = pair.preferred !== 'b';
	// After an HH-RLHF prompt the responses start with the tag's space, so prompt + chosen is the transcript again.
	const reply = hhPromptInstruction(pair.prompt) !== null ? hhReplyWithTag : (text: string) => text;
	const row: Record<string, unknown> = {
		...(pair.sourceId != null ? { id: writtenId(pair.sourceId, pair.metadata?.id) } : {}),
		prompt: pair.prompt,
		chosen: reply(aFirst ? pair.responseA : pair.responseB),
		rejected: reply(aFirst ? pair.responseB : pair.responseA)
	};
	if (pair.preferred === 'tie') row.tie = true;
	const [chosenModel, rejectedModel] = aFirst ? [pair.modelA, pair.modelB] : [pair.modelB, pair.modelA];
	if (chosenModel != null) row.chosen_model = chosenModel;
	if (rejectedModel != null) row.rejected_model = rejectedModel;
	const [chosenScore, rejectedScore] = aFirst ? [pair.scoreA, pair.scoreB] : [pair.scoreB, pair.scoreA];
	if (chosenScore != null) row.chosen_score = chosenScore;
	if (rejectedScore != null) row.rejected_score = rejectedScore;
	return pair.metadata ? { ...row, ...rowWithout(pair.metadata, PAIR_ROW_FIELDS) } : row;
}

/** {prompt, chosen, rejected} JSON Lines for reward-model and DPO training; counts what it left out. */
export function preferencePairSerializer(options: { ties?: TiePolicy } = {}): ShapeSerializer<PreferencePairExport> & {
	readonly counts: PairExportCounts;
} {
	const ties = options.ties ?? 'omit';
	const counts: PairExportCounts = { written: 0, tiesLeftOut: 0, bothBadLeftOut: 0, disagreedLeftOut: 0, unjudgedLeftOut: 0 };
	return {
		counts,
		begin: () => '',
		write: (pair) => {
			const row = preferencePairRow(pair, ties);
			if (row === null) {
				if (pair.preferred === null) counts.unjudgedLeftOut++;
				else if (pair.preferred === 'both-bad') counts.bothBadLeftOut++;
				else if (pair.preferred === 'disagreed') counts.disagreedLeftOut++;
				else counts.tiesLeftOut++;
				return '';
			}
			counts.written++;
			return stringifyKeepingNumbers(row) + '\n';
		},
		end: () => ''
	};
}
