/**
 * A script for the fake OpenAI server that answers the Self-Instruct and Unnatural
 * Instructions prompts sensibly, recognising each step by how its prompt ends (so edited
 * templates with the same ending work too). Replies are a pure function of the prompt and the
 * call's X-Client-Request-Id (the client's requestKey): the same call always gets the same
 * reply, which crash/resume tests rely on, while repeated calls with one prompt (rephrasings)
 * differ. With n > 1 each choice differs too.
 *
 *   …"\n9."                        → instruction generation: items 9, 10, … (the server's stop
 *                                    sequences cut them at "16." like a real model)
 *   …"Classification:"             → " Yes" / " No"
 *   …"Task: <task>\n" (label demos) → output-first instances
 *   …"Task: <task>\n"              → input-first instances
 *   …"Example <n>"                 → Unnatural core example
 *   …"Output:"                     → Unnatural output
 *   …"Alternative formulation:"    → a rephrasing
 *   …"\n4. Instruction:"            → Alpaca: tasks 4, 5, … as "N. Instruction/Input/Output"
 *                                    separated by "###" (stop sequences cut them at item 20);
 *                                    some without input ("<noinput>"), now and then one that
 *                                    does not split or uses a blacklisted word
 */
import type { FakeReply, FakeScript } from './fake-openai';
import { createRng as rng } from '../../src/lib/random';

const VERBS = ['Describe', 'Explain', 'List', 'Summarize', 'Compare', 'Suggest', 'Plan', 'Estimate', 'Outline', 'Rank', 'Identify', 'Propose', 'Draft', 'Evaluate', 'Recommend', 'Design'];
const COUNTS = ['two', 'three', 'four', 'five', 'several', 'six', 'a few', 'seven'];
const ADJECTIVES = ['cheap', 'quick', 'creative', 'safe', 'healthy', 'quiet', 'unusual', 'practical', 'friendly', 'seasonal', 'portable', 'reliable', 'elegant', 'simple'];
const ACTIVITIES = ['store winter vegetables', 'learn basic chess openings', 'organise a bookshelf', 'train for a 10 km run', 'reduce kitchen waste', 'welcome a new colleague', 'repair a bicycle chain', 'host a board game night', 'write a cover letter', 'save money on groceries', 'memorise a speech', 'care for a cactus', 'pack for a ferry trip', 'teach fractions', 'brew green tea', 'clean a keyboard'];
const PEOPLE = ['student', 'retired teacher', 'night nurse', 'small bakery owner', 'first-time parent', 'football coach', 'beekeeper', 'software tester', 'tour guide', 'violin student', 'city cyclist', 'hotel receptionist'];
const SITUATIONS = ['has little free time', 'lives in a small flat', 'works from home', 'is on a tight budget', 'travels every week', 'has just moved abroad', 'prefers written notes', 'dislikes early mornings'];

/** FNV-1a of the text: the reply's randomness comes from the prompt alone. */
function hash(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

function pick<T>(items: readonly T[], random: () => number): T {
	return items[Math.floor(random() * items.length)];
}

/** A plausible, varied instruction (ROUGE-L between two of them is usually well under 0.7). */
export function fakeInstruction(random: () => number): string {
	return `${pick(VERBS, random)} ${pick(COUNTS, random)} ${pick(ADJECTIVES, random)} ways to ${pick(ACTIVITIES, random)} for a ${pick(PEOPLE, random)} who ${pick(SITUATIONS, random)}.`;
}

const CLASSIFICATION_HINT = /\b(classify|decide whether|tell whether|is it|is the|yes or no|true or false|label the|which category|positive or negative|spam)\b/i;
const INPUT_HINT = /\b(given|the following|the text|the sentence|the list|the paragraph|the review|the email|below)\b/i;

export interface PipelineScriptOptions {
	/** Every n-th instruction-generation reply (by prompt hash) runs past max_tokens → "length". */
	truncateOneIn?: number;
}

export function pipelineScript(options: PipelineScriptOptions = {}): FakeScript {
	return (request): FakeReply => {
		const n = typeof request.body.n === 'number' && request.body.n > 1 ? request.body.n : 1;
		const key = String(request.headers['x-client-request-id'] ?? '');
		if (n === 1) return answer(request.prompt, key, 0, options);
		const choices = Array.from({ length: n }, (_, i) => answer(request.prompt, key, i, options));
		const texts = choices.map((c) => (typeof c === 'string' ? c : 'text' in c ? (Array.isArray(c.text) ? c.text[0] : c.text) : ''));
		return { text: texts };
	};
}

function answer(prompt: string, key: string, choice: number, options: PipelineScriptOptions): FakeReply {
	const random = rng(hash(`${prompt}\u0000${key}\u0000${choice}`));
	const trimmedEnd = prompt.replace(/[ \t]+$/, '');

	const alpaca = /\n(\d+)\. Instruction:$/.exec(trimmedEnd);
	if (alpaca) {
		const first = Number(alpaca[1]);
		if (options.truncateOneIn && hash(prompt + key) % options.truncateOneIn === 0) {
			return { text: ` ${fakeInstruction(random)}\n${first}. Input:\n<noinput>\n${first}. Output:\nA half-writ`, finishReason: 'length' };
		}
		const items: string[] = [];
		for (let n = first; n <= 22; n++) {
			const roll = random();
			const instruction = roll < 0.04 ? `Draw a picture of a ${pick(ADJECTIVES, random)} ${pick(PEOPLE, random)}.` : fakeInstruction(random);
			const head = n === first ? ` ${instruction}` : `${n}. Instruction: ${instruction}`;
			if (roll > 0.97) {
				items.push(`${head}\n(the model forgot the rest)`);
				continue;
			}
			const input = roll < 0.3 ? '<noinput>' : `A ${pick(PEOPLE, random)} who ${pick(SITUATIONS, random)}.`;
			items.push(`${head}\n${n}. Input:\n${input}\n${n}. Output:\nA ${pick(ADJECTIVES, random)} answer, number ${n}.`);
		}
		return items.join('\n###\n');
	}

	const nextItem = /\n(\d+)\.$/.exec(trimmedEnd);
	if (nextItem) {
		const first = Number(nextItem[1]);
		if (options.truncateOneIn && hash(prompt) % options.truncateOneIn === 0) {
			return { text: ` ${fakeInstruction(random)}`, finishReason: 'length' };
		}
		// Write on past item 16; the request's stop sequences end it where a model would.
		const items: string[] = [];
		for (let n = first; n <= 20; n++) items.push(`${n === first ? '' : `${n}. `}${fakeInstruction(random)}`);
		return ` ${items.join('\n')}\n\nThat is the list.`;
	}

	if (/Classification:$/.test(trimmedEnd)) {
		const task = /Task: ([^\n]*)\nClassification:$/.exec(trimmedEnd)?.[1] ?? '';
		return CLASSIFICATION_HINT.test(task) ? ' Yes' : ' No';
	}

	const task = /\nTask: ([^\n]*)\n$/.exec(prompt)?.[1];
	if (task !== undefined) {
		const topic = task.replace(/[.?!]$/, '').toLowerCase();
		if (/Class label:/.test(prompt)) {
			const labels = /positive or negative/i.test(task) ? ['Positive', 'Negative'] : /true or false/i.test(task) ? ['True', 'False'] : ['Yes', 'No'];
			return labels.map((label, i) => `Class label: ${label}\nInput: A ${pick(ADJECTIVES, random)} case ${i + 1} about ${topic}.`).join('\n') + '\n\nTask:';
		}
		const count = 2 + Math.floor(random() * 3);
		const needsInput = INPUT_HINT.test(task);
		const examples = Array.from({ length: count }, (_, i) =>
			needsInput
				? `Example ${i + 1}\nInput: ${pick(ADJECTIVES, random)} sample ${i + 1} for: ${topic}\nOutput: Answer ${i + 1} to "${topic}".`
				: `Example ${i + 1}\nOutput: Response ${i + 1}: ${pick(ADJECTIVES, random)} take on ${topic}.`
		);
		return `${examples.join('\n')}\nExample ${count + 1}\n`;
	}

	if (/\nExample \d+$/.test(trimmedEnd)) {
		const instruction = fakeInstruction(random);
		const constrained = random() < 0.5;
		return `\nInstruction: ${instruction}\nInput: A ${pick(PEOPLE, random)} who ${pick(SITUATIONS, random)}.\nConstraints: ${
			constrained ? `The output should be a list of ${pick(COUNTS, random)} items.` : 'None.'
		}\n\nExample`;
	}

	if (/Alternative formulation:$/.test(trimmedEnd)) {
		const original = /Instruction: ([^\n]*)\n(?:Input: \{INPUT\}\n)?Alternative formulation:$/.exec(trimmedEnd)?.[1] ?? 'the task';
		return ` In other words (${pick(['variant A', 'variant B', 'variant C', 'variant D'], random)}): ${original.charAt(0).toLowerCase()}${original.slice(1)} Input: {INPUT}`;
	}

	if (/Output:$/.test(trimmedEnd)) {
		const instruction = /Instruction: ([^\n]*)/.exec(prompt)?.[1] ?? 'the task';
		return ` Here is a ${pick(ADJECTIVES, random)} answer to: ${instruction}`;
	}

	return 'OK';
}
