import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../audits/random';
import { QUALITY_QUESTIONS, RATING_LEVELS } from '../audits/rubric';
import {
	buildPairwiseJudgePrompt,
	buildQualityJudgePrompt,
	buildRatingJudgePrompt,
	buildSwappedPairwisePrompts,
	EMPTY_FIELD,
	PAIRWISE_JUDGE_TEMPLATE,
	parsePairwiseJudgeReply,
	parseQualityJudgeReply,
	parseRatingJudgeReply,
	QUALITY_JUDGE_TEMPLATE,
	RATING_JUDGE_TEMPLATE,
	type QualityJudgement
} from './judge';
import { duplicateJsonKey, type JudgeParseResult, type JudgeReplyProblem } from './judge-reply';
import { describeJudgeTemplateUse, JUDGE_PROMPT_STEPS, JUDGE_STEP_IDS, validateJudgeTemplate } from './judge-steps';
import { TemplateError, templateFingerprint } from './template';

function ok<T>(result: JudgeParseResult<T>): T {
	if (!result.ok) throw new Error(`expected a parse, got ${result.problem}: ${result.message}`);
	return result.value;
}

function problem<T>(result: JudgeParseResult<T>): JudgeReplyProblem {
	if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
	return result.problem;
}

const QUALITY: QualityJudgement = {
	instruction: { valid: true, reason: 'A clear task.' },
	input: { valid: true, reason: 'No input needed.' },
	output: { valid: false, reason: 'The sum is wrong: 2 + 2 is 4, not "5".' }
};

describe('judge templates', () => {
	it('are valid for their placeholders and greedy', () => {
		for (const id of JUDGE_STEP_IDS) {
			const step = JUDGE_PROMPT_STEPS[id];
			expect(validateJudgeTemplate(id, step.defaultTemplate), id).toEqual([]);
			expect(step.decoding.temperature).toBe(0);
			expect(describeJudgeTemplateUse(id)).toEqual({
				stepId: id,
				text: step.defaultTemplate,
				fingerprint: templateFingerprint(step.defaultTemplate),
				isDefault: true,
				defaultVersion: 1
			});
		}
		const edited = describeJudgeTemplateUse('judge/rating', RATING_JUDGE_TEMPLATE + '\nBe strict.');
		expect(edited.isDefault).toBe(false);
		expect(edited.fingerprint).not.toBe(templateFingerprint(RATING_JUDGE_TEMPLATE));
	});

	it('show the model a reply form that the parser accepts', () => {
		// The last line of each default template is the example reply the model is asked to copy.
		const example = (template: string) => template.trim().split('\n').at(-1)!;
		expect(parseQualityJudgeReply(example(QUALITY_JUDGE_TEMPLATE)).ok).toBe(true);
		expect(parseRatingJudgeReply(example(RATING_JUDGE_TEMPLATE)).ok).toBe(true);
		expect(parsePairwiseJudgeReply(example(PAIRWISE_JUDGE_TEMPLATE)).ok).toBe(true);
	});

	it('ask the app’s three questions and use its A–D definitions', () => {
		const prompt = buildQualityJudgePrompt({ instruction: 'Add the numbers.', input: '', output: '5' });
		for (const q of QUALITY_QUESTIONS) expect(prompt).toContain(q.text);
		expect(prompt).toContain(`### Input\n${EMPTY_FIELD}\n`);
		expect(prompt).toContain('### Output\n5\n');
		const rating = buildRatingJudgePrompt({ instruction: 'Say hi.', input: ' ', response: 'Hello!' });
		for (const level of RATING_LEVELS) expect(rating).toContain(`${level.key} — ${level.label}: ${level.definition}`);
		expect(rating).toContain('### Response\nHello!\n');
	});

	it('insert text with braces as it is', () => {
		const prompt = buildQualityJudgePrompt({ instruction: 'Fill {{name}} in.', input: '{"a": 1}', output: '}}' });
		expect(prompt).toContain('Fill {{name}} in.');
		expect(prompt).toContain('{"a": 1}');
	});

	it('refuse an edited template without a required placeholder', () => {
		const issues = validateJudgeTemplate('judge/quality', 'Judge {{instruction}} and {{output}}.');
		expect(issues.map((i) => i.placeholder)).toEqual(['input']);
		expect(() => buildQualityJudgePrompt({ instruction: 'a', input: 'b', output: 'c' }, 'Only {{instruction}}')).toThrow(TemplateError);
		// The rubric is optional: a template may spell the scale out itself.
		expect(validateJudgeTemplate('judge/rating', 'Rate {{response}} to {{instruction}} / {{input}} A–D.')).toEqual([]);
	});

	it('swap the pair for the second judgement', () => {
		const { original, swapped } = buildSwappedPairwisePrompts({ instruction: 'Name a colour.', input: '', first: 'Red.', second: 'Blue.' });
		expect(original).toContain('### Response A\nRed.\n\n### Response B\nBlue.\n');
		expect(swapped).toContain('### Response A\nBlue.\n\n### Response B\nRed.\n');
		expect(buildPairwiseJudgePrompt({ instruction: 'x', input: 'y', responseA: 'Red.', responseB: 'Blue.' })).toContain('### Response A\nRed.');
	});
});

describe('parseQualityJudgeReply', () => {
	const compact = JSON.stringify(QUALITY);
	it.each([
		['compact', compact],
		['indented', JSON.stringify(QUALITY, null, 2)],
		['tabs', JSON.stringify(QUALITY, null, '\t')],
		['CRLF', JSON.stringify(QUALITY, null, 2).replace(/\n/g, '\r\n')],
		['padded', `\n\n  ${compact}  \n`],
		['fenced json', '```json\n' + JSON.stringify(QUALITY, null, 2) + '\n```'],
		['fenced JSON, padded', '  ```JSON \n' + compact + '\n```\n'],
		['bare fence', '```\n' + compact + '\n```'],
		[
			'keys in another order',
			'{"output": {"reason": "The sum is wrong: 2 + 2 is 4, not \\"5\\".", "valid": false}, "input": {"reason": "No input needed.", "valid": true}, "instruction": {"valid": true, "reason": "A clear task."}}'
		],
		['unicode escapes', compact.replace('A clear task.', 'A clear task\\u002e')]
	])('accepts %s', (_, reply) => {
		expect(ok(parseQualityJudgeReply(reply))).toEqual(QUALITY);
	});

	it('keeps reasons with braces, quotes and newlines, trimmed', () => {
		const reply = '{"instruction": {"valid": true, "reason": "  Uses {x} and \\"}\\" fine.\\nSecond line. "}, "input": {"valid": false, "reason": ""}, "output": {"valid": true, "reason": "ok"}}';
		const value = ok(parseQualityJudgeReply(reply));
		expect(value.instruction.reason).toBe('Uses {x} and "}" fine.\nSecond line.');
		expect(value.input).toEqual({ valid: false, reason: '' });
	});

	it.each([
		['empty', '', 'empty'],
		['whitespace', ' \n\t ', 'empty'],
		['prose before', `Here is my verdict: ${compact}`, 'not_json'],
		['prose after', `${compact}\nI hope this helps.`, 'not_json'],
		['two objects', `${compact}\n${compact}`, 'not_json'],
		['prose outside the fence', 'Sure!\n```json\n' + compact + '\n```', 'not_json'],
		['unclosed fence', '```json\n' + compact, 'not_json'],
		['an array', `[${compact}]`, 'not_json'],
		['a string', '"all valid"', 'not_json'],
		['null', 'null', 'not_json'],
		['single quotes', compact.replace(/"/g, "'"), 'not_json'],
		['trailing comma', compact.replace(/}}$/, '},}'), 'not_json'],
		['a comment', `// verdict\n${compact}`, 'not_json'],
		['a line format', 'instruction: yes\ninput: yes\noutput: no', 'not_json'],
		['MT-Bench brackets', 'Verdict: [[A]]', 'not_json'],
		['"yes" for a boolean', compact.replace('"valid":false', '"valid":"no"'), 'wrong_shape'],
		['"true" as a string', compact.replace('"valid":true', '"valid":"true"'), 'wrong_shape'],
		['1 for a boolean', compact.replace('"valid":true', '"valid":1'), 'wrong_shape'],
		['a question missing', JSON.stringify({ instruction: QUALITY.instruction, input: QUALITY.input }), 'wrong_shape'],
		['a reason missing', JSON.stringify({ ...QUALITY, output: { valid: false } }), 'wrong_shape'],
		['a number for a reason', JSON.stringify({ ...QUALITY, output: { valid: false, reason: 3 } }), 'wrong_shape'],
		['an extra top-level key', JSON.stringify({ ...QUALITY, overall: true }), 'wrong_shape'],
		['an extra nested key', JSON.stringify({ ...QUALITY, input: { ...QUALITY.input, confidence: 0.9 } }), 'wrong_shape'],
		['a boolean instead of an object', JSON.stringify({ ...QUALITY, input: true }), 'wrong_shape'],
		['a duplicated question', compact.replace('{"instruction"', '{"output":{"valid":true,"reason":"x"},"instruction"'), 'wrong_shape'],
		['a duplicated nested key', compact.replace('"valid":false', '"valid":true,"valid":false'), 'wrong_shape']
	] as const)('refuses %s', (_, reply, expected) => {
		const result = parseQualityJudgeReply(reply);
		expect(problem(result)).toBe(expected);
		if (!result.ok) expect(result.raw).toBe(reply);
	});

	it('names what is wrong and where', () => {
		const wrongType = parseQualityJudgeReply(compact.replace('"valid":false', '"valid":"no"'));
		expect(!wrongType.ok && wrongType.message).toBe('"output.valid" must be true or false, got "no".');
		const extra = parseQualityJudgeReply(JSON.stringify({ ...QUALITY, overall: true }));
		expect(!extra.ok && extra.message).toMatch(/The reply has a key the format does not have: "overall"/);
		const missing = parseQualityJudgeReply(JSON.stringify({ instruction: QUALITY.instruction, input: QUALITY.input }));
		expect(!missing.ok && missing.message).toBe('The reply lacks "output".');
		const duplicate = parseQualityJudgeReply('{\n "instruction": {"valid": true, "reason": "a"},\n "instruction": {"valid": true, "reason": "a"}}');
		expect(!duplicate.ok && duplicate.message).toBe('The key "instruction" appears twice in one object (line 3, column 2).');
		const prose = parseQualityJudgeReply('Sure: {}');
		expect(!prose.ok && prose.message).toMatch(/no text before the object/);
	});

	it('calls a reply cut by the token limit truncated', () => {
		expect(problem(parseQualityJudgeReply(compact.slice(0, 60), 'length'))).toBe('truncated');
		expect(problem(parseQualityJudgeReply('', 'length'))).toBe('truncated');
		// Cut without the server saying so: just not JSON.
		expect(problem(parseQualityJudgeReply(compact.slice(0, 60), 'stop'))).toBe('not_json');
		// A complete object is read even if the limit was reached exactly at its end.
		expect(ok(parseQualityJudgeReply(compact, 'length'))).toEqual(QUALITY);
	});
});

describe('parseRatingJudgeReply', () => {
	it.each([
		['{"rating": "A", "reason": "Correct and complete."}', 'A'],
		['{"reason": "Minor slip.", "rating": "B"}', 'B'],
		['```json\n{"rating": "c", "reason": "Wrong facts."}\n```', 'C'],
		['{"rating": " D ", "reason": "Off topic."}', 'D']
	])('accepts %s', (reply, rating) => {
		expect(ok(parseRatingJudgeReply(reply)).rating).toBe(rating);
	});

	it.each([
		['{"rating": "A+", "reason": "x"}'],
		['{"rating": "E", "reason": "x"}'],
		['{"rating": 1, "reason": "x"}'],
		['{"rating": "AB", "reason": "x"}'],
		['{"rating": ["A"], "reason": "x"}'],
		['{"rating": "A"}'],
		['{"rating": "A", "reason": "x", "score": 9}'],
		['{"grade": "A", "reason": "x"}']
	])('refuses %s', (reply) => {
		expect(problem(parseRatingJudgeReply(reply))).toBe('wrong_shape');
	});

	it('refuses a rating given in prose', () => {
		expect(problem(parseRatingJudgeReply('Rating: A'))).toBe('not_json');
		expect(problem(parseRatingJudgeReply('I would rate this A.'))).toBe('not_json');
	});
});

describe('parsePairwiseJudgeReply', () => {
	it.each([
		['{"verdict": "A", "reason": "More accurate."}', 'A'],
		['{"verdict": "b", "reason": "x"}', 'B'],
		['{"verdict": "Tie", "reason": "Both fine."}', 'tie'],
		['{"verdict": "TIE", "reason": "x"}', 'tie']
	])('accepts %s', (reply, verdict) => {
		expect(ok(parsePairwiseJudgeReply(reply)).verdict).toBe(verdict);
	});

	it.each([
		// MT-Bench writes a tie as [[C]]; our format says "tie", and "C" is not guessed to mean it.
		['{"verdict": "C", "reason": "x"}', 'wrong_shape'],
		['{"verdict": "both", "reason": "x"}', 'wrong_shape'],
		['{"verdict": "A or B", "reason": "x"}', 'wrong_shape'],
		['{"verdict": null, "reason": "x"}', 'wrong_shape'],
		['[[A]]', 'not_json'],
		['{"verdict": "A", "reason": "x"} {"verdict": "B", "reason": "y"}', 'not_json']
	] as const)('refuses %s', (reply, expected) => {
		expect(problem(parsePairwiseJudgeReply(reply))).toBe(expected);
	});
});

describe('duplicateJsonKey', () => {
	it('finds repeated keys per object, not across objects or in strings or arrays', () => {
		expect(duplicateJsonKey('{"a": {"b": 1}, "c": {"b": 2}}')).toBeNull();
		expect(duplicateJsonKey('{"a": "\\"a\\": 1", "b": ["a", "a"]}')).toBeNull();
		expect(duplicateJsonKey('{"a": [{"x": 1, "x": 2}]}')).toEqual({ key: 'x', offset: 16 });
		expect(duplicateJsonKey('{"\\u0061": 1, "a": 2}')?.key).toBe('a');
	});
});

describe('judge replies, seeded property tests', () => {
	const WORDS = ['clear', 'task', '{braces}', '"quoted"', 'naïve', 'emoji 🙂', 'back\\slash', 'new\nline', 'tab\there', '}', ':', ','];

	function randomReason(random: SeededRandom): string {
		const length = random.int(6);
		return Array.from({ length }, () => WORDS[random.int(WORDS.length)]).join(' ');
	}

	function randomQuality(random: SeededRandom): QualityJudgement {
		const answer = () => ({ valid: random.int(2) === 1, reason: randomReason(random).trim() });
		return { instruction: answer(), input: answer(), output: answer() };
	}

	/** Serialises an object in a random layout: key order, indentation, line ends, padding, fence. */
	function layout(random: SeededRandom, value: unknown): string {
		const shuffle = (v: unknown): unknown => {
			if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
			const entries = random.shuffle(Object.entries(v as Record<string, unknown>));
			return Object.fromEntries(entries.map(([k, x]) => [k, shuffle(x)]));
		};
		const indent = ['', ' ', '  ', '    ', '\t'][random.int(5)];
		let text = JSON.stringify(shuffle(value), null, indent || undefined);
		if (random.int(3) === 0) text = text.replace(/\n/g, '\r\n');
		if (random.int(3) === 0) text = '```' + ['json', 'JSON', ''][random.int(3)] + '\n' + text + '\n```';
		const pad = () => [' ', '\n', '\t', ''][random.int(4)].repeat(random.int(3));
		return pad() + text + pad();
	}

	it('reads back every valid judgement in any layout (500 cases)', () => {
		const random = new SeededRandom(1301);
		for (let i = 0; i < 500; i++) {
			const quality = randomQuality(random);
			const reply = layout(random, quality);
			expect(ok(parseQualityJudgeReply(reply)), reply).toEqual(quality);
			const rating = { rating: (['A', 'B', 'C', 'D'] as const)[random.int(4)], reason: randomReason(random).trim() };
			expect(ok(parseRatingJudgeReply(layout(random, rating)))).toEqual(rating);
			const pair = { verdict: (['A', 'B', 'tie'] as const)[random.int(3)], reason: randomReason(random).trim() };
			expect(ok(parsePairwiseJudgeReply(layout(random, pair)))).toEqual(pair);
		}
	});

	it('never reads a damaged reply (500 cases)', () => {
		const random = new SeededRandom(1302);
		const damages: Array<[string, JudgeReplyProblem[], (text: string, value: QualityJudgement) => string]> = [
			['lead-in prose', ['not_json'], (t) => `${['Sure!', 'Verdict:', 'Here you go'][random.int(3)]} ${t}`],
			['trailing prose', ['not_json'], (t) => `${t}\n${['Thanks.', 'Done', '(end)'][random.int(3)]}`],
			['cut off', ['not_json', 'empty'], (t) => t.trim().slice(0, random.int(t.trim().length - 1))],
			['a key dropped', ['wrong_shape'], (_, v) => {
				const key = (['instruction', 'input', 'output'] as const)[random.int(3)];
				const copy: Partial<QualityJudgement> = { ...v };
				delete copy[key];
				return JSON.stringify(copy);
			}],
			['a boolean as text', ['wrong_shape'], (_, v) => JSON.stringify({ ...v, input: { ...v.input, valid: v.input.valid ? 'yes' : 'no' } })],
			['a key added', ['wrong_shape'], (_, v) => JSON.stringify({ ...v, [['score', 'all_valid', 'notes'][random.int(3)]]: 1 })],
			['a key repeated', ['wrong_shape'], (t) => t.replace(/^(\s*(?:```\w*\r?\n)?\s*)\{/, '$1{"output": {"valid": true, "reason": ""}, ')]
		];
		for (let i = 0; i < 500; i++) {
			const value = randomQuality(random);
			const [name, expected, damage] = damages[random.int(damages.length)];
			const reply = damage(layout(random, value), value);
			const result = parseQualityJudgeReply(reply);
			expect(result.ok, `${name}: ${reply}`).toBe(false);
			expect(expected, `${name}: ${reply}`).toContain(problem(result));
		}
	});
});
