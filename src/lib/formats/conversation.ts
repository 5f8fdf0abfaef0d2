/**
 * Multi-turn conversations: the speaker names of ShareGPT and OpenAI chat rows, the checks on
 * how turns follow each other, and the task a conversation joins the flat datasets as. Every
 * turn is kept; what is unusual about the order becomes a warning on the conversation (or, with
 * `strictTurns`, an error naming the turn).
 */
import { RecordError } from './import-error';
import { splitInstructionPrompt } from './prompt-shape';
import type { ParsedConversation, ParsedTask, ParsedTurn, TurnRole } from './types';

/** The two row shapes that carry conversations, and their field and speaker vocabularies. */
export interface ConversationShape {
	/** The field holding the turns: "messages" or "conversations". */
	field: 'messages' | 'conversations';
	/** The field of a turn holding its speaker: "role" or "from". */
	speakerField: 'role' | 'from';
	/** Each speaker name the shape accepts → the role it stands for. */
	speakers: Readonly<Record<string, TurnRole>>;
	/** The name the shape writes for each role. */
	names: Readonly<Record<TurnRole, string>>;
}

export const OPENAI_CHAT_SHAPE: ConversationShape = {
	field: 'messages',
	speakerField: 'role',
	speakers: { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool', function: 'tool' },
	names: { system: 'system', user: 'user', assistant: 'assistant', tool: 'tool' }
};

/**
 * FastChat's cleaned ShareGPT uses human / gpt (and system); raw ShareGPT dumps also carry
 * user, chatgpt, bing and bard, and tool-use variants observation / function_call. `function` is
 * the result of an OpenAI chat row's legacy function_call, kept under its own name so that it is
 * written back to chat as the "function" message answering that call (a "tool" message would
 * need a tool_call_id).
 */
export const SHAREGPT_SHAPE: ConversationShape = {
	field: 'conversations',
	speakerField: 'from',
	speakers: {
		system: 'system',
		human: 'user',
		user: 'user',
		gpt: 'assistant',
		assistant: 'assistant',
		chatgpt: 'assistant',
		bing: 'assistant',
		bard: 'assistant',
		model: 'assistant',
		function_call: 'assistant',
		tool: 'tool',
		observation: 'tool',
		function: 'tool'
	},
	names: { system: 'system', user: 'human', assistant: 'gpt', tool: 'tool' }
};

/**
 * The ShareGPT speaker of a tool call (glaive, LLaMA-Factory): the turn's text is the call as JSON
 * ({"name", "arguments"}, or a list of them) and the observation turn after it holds the result.
 * It is stored as an assistant turn with this source role: a call, not an answer to train on.
 */
export const FUNCTION_CALL_SPEAKER = 'function_call';

export function isFunctionCallTurn(turn: ParsedTurn): boolean {
	return turn.role === 'assistant' && turn.sourceRole === FUNCTION_CALL_SPEAKER;
}

/** An OpenAI chat tool call, as an assistant message's `tool_calls` lists them. */
export interface OpenAiToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/**
 * The OpenAI tool calls a function-call turn's text stands for, their ids call_<firstId>, call_<firstId + 1>,
 * …, or null when the text is not a call ({"name": string, "arguments"?} or a list of them): the
 * caller leaves such a conversation out rather than guess. `arguments` is a JSON string, as the API
 * writes it: an object is serialized, a string kept, none is "{}".
 */
export function toolCallsOf(text: string, firstId: number): OpenAiToolCall[] | null {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return null;
	}
	const calls = Array.isArray(parsed) ? parsed : [parsed];
	const out: OpenAiToolCall[] = [];
	for (const call of calls) {
		if (call === null || typeof call !== 'object' || Array.isArray(call)) return null;
		const { name, arguments: args } = call as Record<string, unknown>;
		if (typeof name !== 'string' || name === '') return null;
		out.push({ id: `call_${firstId + out.length}`, type: 'function', function: { name, arguments: args === undefined ? '{}' : typeof args === 'string' ? args : JSON.stringify(args) } });
	}
	return out.length ? out : null;
}

/**
 * Whether a turn's extra fields carry a tool call: a non-empty OpenAI `tool_calls` list or an older
 * `function_call` object. API logs write `"tool_calls": null` (or []) on plain replies; those carry
 * none. The one definition, with its SQL twin carriesCallSql for the export's queries.
 */
export function carriesCall(extra: Record<string, unknown> | null | undefined): boolean {
	if (!extra) return false;
	const calls = extra.tool_calls;
	const call = extra.function_call;
	return (Array.isArray(calls) && calls.length > 0) || (call !== null && typeof call === 'object' && !Array.isArray(call));
}

/** carriesCall in SQL, over a JSON column holding a turn's extra fields. */
export function carriesCallSql(extraColumn: string): string {
	return `((json_type(${extraColumn}, '$.tool_calls') = 'array' AND json_array_length(${extraColumn}, '$.tool_calls') > 0) OR json_type(${extraColumn}, '$.function_call') = 'object')`;
}

/**
 * The tool calls an assistant turn makes without text (OpenAI `tool_calls`, or the older single
 * `function_call`), written to be read: one `name(arguments)` a line, the arguments as the source
 * gave them. Null when the turn's extra fields hold no call.
 */
export function toolCallsText(extra: Record<string, unknown> | null): string | null {
	if (!extra) return null;
	const calls: unknown[] = Array.isArray(extra.tool_calls) ? extra.tool_calls : extra.function_call !== undefined ? [{ function: extra.function_call }] : [];
	const lines: string[] = [];
	for (const call of calls) {
		const fn = call !== null && typeof call === 'object' ? (call as Record<string, unknown>).function : undefined;
		if (fn === null || typeof fn !== 'object') continue;
		const { name, arguments: args } = fn as Record<string, unknown>;
		if (typeof name !== 'string' || name === '') continue;
		lines.push(`${name}(${args === undefined || args === null ? '' : typeof args === 'string' ? args : JSON.stringify(args)})`);
	}
	return lines.length ? lines.join('\n') : null;
}

/** The speaker name a shape writes for a turn: the turn's own source name when the shape knows it for that role. */
export function speakerName(turn: ParsedTurn, shape: ConversationShape): string {
	const own = turn.sourceRole;
	return own && shape.speakers[own] === turn.role ? own : shape.names[turn.role];
}

/** Reads a speaker name; `sourceRole` is set when the name is not the shape's usual one for its role. */
export function readSpeaker(value: unknown, path: string, shape: ConversationShape): { role: TurnRole; sourceRole: string | null } {
	if (typeof value !== 'string') {
		throw new RecordError(
			value === undefined ? `missing required field "${path}"` : `field "${path}" must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
			path
		);
	}
	const role = Object.prototype.hasOwnProperty.call(shape.speakers, value) ? shape.speakers[value] : undefined;
	if (!role) {
		const known = Object.keys(shape.speakers).join(', ');
		throw new RecordError(`field "${path}" is "${value}", not a speaker this format knows (${known})`, path);
	}
	return { role, sourceRole: shape.names[role] === value ? null : value };
}

const ROLE_WORDS: Record<TurnRole, string> = { system: 'system', user: 'user', assistant: 'assistant', tool: 'tool' };

/**
 * What is unusual about the order of the turns, each with the path of the turn it concerns:
 * a system turn after the start, a dialogue opening with the assistant, two user or two
 * assistant turns in a row, empty turns, an unanswered last user turn. Tool turns sit between
 * an assistant's call and its next turn, so they are left out of the alternation.
 */
export function turnWarnings(turns: readonly ParsedTurn[], field: string): { message: string; path: string }[] {
	const out: { message: string; path: string }[] = [];
	let started = false;
	let last: { role: TurnRole; index: number } | null = null;
	// An assistant turn after tool results answers them: assistant → tool → assistant is the usual pattern.
	let afterTool = false;
	for (let i = 0; i < turns.length; i++) {
		const t = turns[i];
		const path = `${field}[${i}]`;
		if (t.content.trim() === '' && t.role !== 'tool' && !carriesCall(t.extra))
			out.push({ message: `${path} (${ROLE_WORDS[t.role]}) is empty`, path });
		if (t.role === 'system') {
			if (started) out.push({ message: `${path} is a system turn after the conversation started`, path });
			continue;
		}
		if (t.role === 'tool') {
			afterTool = true;
			continue;
		}
		const answersTool = afterTool && t.role === 'assistant';
		afterTool = false;
		if (!started && t.role === 'assistant') out.push({ message: `the conversation opens with an assistant turn (${path}) before any user turn`, path });
		started = true;
		if (last && last.role === t.role && !answersTool)
			out.push({ message: `${field}[${last.index}] and ${path} are both ${ROLE_WORDS[t.role]} turns (turns should alternate)`, path });
		last = { role: t.role, index: i };
	}
	if (last && last.role === 'user') out.push({ message: `the last user turn (${field}[${last.index}]) has no reply`, path: `${field}[${last.index}]` });
	return out;
}

export interface ConversationWording {
	/** "message with role \"user\"" or "turn from \"human\"". */
	noUser: string;
	/** "assistant message" or "reply from \"gpt\"". */
	reply: string;
	/** "first user message" or "first human turn". */
	firstUser: string;
}

/**
 * The task a conversation joins the flat datasets as: the first user turn is the instruction
 * (split into instruction and input when it has the labelled "Input:" shape the chat export
 * writes), the first assistant turn after it the output, system turns the metadata. Throws
 * when there is no user turn or no reply to the first one: such a row is not a training
 * example and cannot be a task.
 */
export function conversationTask(
	turns: ParsedTurn[],
	shape: ConversationShape,
	wording: ConversationWording,
	options: { strictTurns?: boolean; sourceId?: string | null; extraMetadata?: Record<string, unknown> | null } = {}
): Omit<ParsedTask, 'location'> {
	const field = shape.field;
	const system: string[] = [];
	let user = -1;
	let output: string | null = null;
	let reply = -1;
	for (let i = 0; i < turns.length; i++) {
		const t = turns[i];
		if (t.role === 'system') system.push(t.content);
		else if (t.role === 'user' && user === -1) user = i;
		else if (t.role === 'assistant' && user !== -1 && output === null) {
			output = t.content;
			reply = i;
		}
	}
	if (user === -1) throw new RecordError(`field "${field}" has no ${wording.noUser}`, field);
	if (output === null)
		throw new RecordError(`field "${field}" has no ${wording.reply} after the ${wording.firstUser} (${field}[${user}])`, field);
	const split = splitInstructionPrompt(turns[user].content);
	if (split.instruction === '') throw new RecordError(`field "${field}[${user}].${contentField(shape)}" is empty`, `${field}[${user}].${contentField(shape)}`);
	const found = turnWarnings(turns, field);
	if (options.strictTurns && found.length) throw new RecordError(found[0].message, found[0].path);
	const conversation: ParsedConversation = { turns, warnings: found.map((w) => w.message) };
	// The instance is the first exchange. A first reply that only calls a tool is no answer, and
	// the answer after the tool's result is no answer to the instruction alone (it rests on that
	// result): the instance keeps the call (single-turn exports leave it out and count it), the
	// conversation keeps every turn, and the summary says so.
	if (callsToolOnly(turns[reply]))
		conversation.warnings.push(
			`the first reply (${field}[${reply}]) only calls a tool, so the instance's output is ${output === '' ? 'empty' : 'the call'} (single-turn exports leave it out; the whole conversation is kept)`
		);
	if (options.extraMetadata) conversation.metadata = options.extraMetadata;
	let metadata: Record<string, unknown> | null = options.extraMetadata ? { ...options.extraMetadata } : null;
	if (system.length) (metadata ??= {}).system = system.join('\n\n');
	const task: Omit<ParsedTask, 'location'> = {
		kind: 'task',
		instruction: split.instruction,
		isClassification: null,
		metadata,
		instances: [{ input: split.input, output }],
		conversation
	};
	if (options.sourceId != null) task.sourceId = options.sourceId;
	return task;
}

/** An assistant turn that calls a tool and says nothing else: an OpenAI tool call without text, or a ShareGPT function_call turn. */
function callsToolOnly(turn: ParsedTurn): boolean {
	if (isFunctionCallTurn(turn)) return true;
	return turn.role === 'assistant' && turn.content.trim() === '' && carriesCall(turn.extra);
}

export function contentField(shape: ConversationShape): 'content' | 'value' {
	return shape.field === 'messages' ? 'content' : 'value';
}
