/**
 * Every prompt step end to end: default template → client (real SDK) → scripted server that
 * answers like a model → parser. Checks that builders, decoding defaults, the server's stop
 * handling and the parsers agree on the formats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../../../tests/support/fake-openai';
import { pipelineScript } from '../../../../tests/support/fake-pipeline-script';
import {
	buildClassificationPrompt,
	buildCorePrompt,
	buildExpansionPrompt,
	buildInstancePrompt,
	buildInstructionGenerationPrompt,
	buildOutputPrompt,
	chooseInstructionShots,
	DEFAULT_SEED_TASKS,
	DEFAULT_UNNATURAL_SEED_SETS,
	parseClassificationAnswer,
	parseCoreExample,
	parseInputFirstInstances,
	parseInstructionList,
	parseOutput,
	parseOutputFirstInstances,
	parseRephrasing,
	PROMPT_STEPS
} from '../../prompts';
import { createRng } from '../../random';
import { createLlmClient, type LlmClient } from './client';
import type { ApiStyle } from './endpoint';

let fake: FakeOpenAI;
beforeAll(async () => {
	fake = await startFakeOpenAI({ script: pipelineScript() });
});
afterAll(() => fake.close());

function client(apiStyle: ApiStyle): LlmClient {
	return createLlmClient({ baseUrl: fake.url, apiKey: '', apiStyle, model: 'fake-base', concurrency: 4 });
}

describe.each(['completions', 'chat'] as const)('Self-Instruct round trip (%s)', (apiStyle) => {
	it('generates instructions 9–15, stopped at item 16 by the stop sequences', async () => {
		const shots = chooseInstructionShots(
			DEFAULT_SEED_TASKS.map((t) => t.instruction),
			[],
			createRng(1)
		).map((s) => s.instruction);
		const reply = await client(apiStyle).generate({
			prompt: buildInstructionGenerationPrompt(shots),
			decoding: PROMPT_STEPS['self-instruct/instruction-generation'].decoding,
			requestKey: `${apiStyle}/instructions/1`
		});
		const parsed = parseInstructionList(reply.text, reply.finishReason);
		expect(parsed.droppedForLength).toBe(false);
		expect(parsed.instructions).toHaveLength(7);
		expect(parsed.instructions.every((i) => /^[A-Z].+\.$/.test(i))).toBe(true);
		expect(reply.text).not.toContain('16.');
	});

	it('identifies classification tasks', async () => {
		const ask = async (task: string) => {
			const reply = await client(apiStyle).generate({
				prompt: buildClassificationPrompt(task),
				decoding: PROMPT_STEPS['self-instruct/classification'].decoding
			});
			return parseClassificationAnswer(reply.text);
		};
		expect(await ask('Classify the sentence as positive or negative.')).toBe(true);
		expect(await ask('Write a poem about the sea.')).toBe(false);
	});

	it('generates instances input-first and output-first', async () => {
		const inputFirst = await client(apiStyle).generate({
			prompt: buildInstancePrompt('Summarize the paragraph below.', 'input-first'),
			decoding: PROMPT_STEPS['self-instruct/instances-input-first'].decoding
		});
		const parsed = parseInputFirstInstances(inputFirst.text, inputFirst.finishReason);
		expect(parsed.problems).toEqual([]);
		expect(parsed.instances.length).toBeGreaterThanOrEqual(2);
		expect(parsed.instances.every((i) => i.input !== '' && i.output !== '')).toBe(true);

		const outputFirst = await client(apiStyle).generate({
			prompt: buildInstancePrompt('Decide whether the review is positive or negative.', 'output-first'),
			decoding: PROMPT_STEPS['self-instruct/instances-output-first'].decoding
		});
		expect(parseOutputFirstInstances(outputFirst.text, outputFirst.finishReason).instances.map((i) => i.output)).toEqual([
			'Positive',
			'Negative'
		]);
	});
});

describe('Unnatural Instructions round trip', () => {
	it('core example → output → two different rephrasings', async () => {
		const llm = client('completions');
		const core = await llm.generate({
			prompt: buildCorePrompt(DEFAULT_UNNATURAL_SEED_SETS[2]),
			decoding: PROMPT_STEPS['unnatural/core'].decoding,
			requestKey: 'core/1'
		});
		const parsed = parseCoreExample(core.text, core.finishReason);
		expect(parsed.missingFields).toEqual([]);
		const example = parsed.example!;

		const output = await llm.generate({ prompt: buildOutputPrompt(example), decoding: PROMPT_STEPS['unnatural/output'].decoding });
		expect(parseOutput(output.text, output.finishReason)).toMatchObject({ empty: false, truncated: false });
		expect(output.text).toContain(example.instruction);

		const rephrasings = await llm.generate({
			prompt: buildExpansionPrompt(example.instruction),
			decoding: { ...PROMPT_STEPS['unnatural/expansion'].decoding, n: 2 }
		});
		const texts = rephrasings.choices.map((c) => parseRephrasing(c.text, example.instruction, c.finishReason).rephrasing);
		expect(texts.every((t) => t !== null)).toBe(true);
		expect(new Set(texts).size).toBe(2);
	});

	it('answers the same call the same way (a resumed run sees the same reply)', async () => {
		const llm = client('completions');
		const ask = () =>
			llm.generate({ prompt: buildCorePrompt(DEFAULT_UNNATURAL_SEED_SETS[0]), decoding: PROMPT_STEPS['unnatural/core'].decoding, requestKey: 'core/7' });
		expect((await ask()).text).toBe((await ask()).text);
	});
});
