import { describe, expect, it } from 'vitest';
import { modelNamesFromOption, unknownModelsMessage } from './model-names';

const NASTY = 'gpt-3.5-turbo-instruct_0914 (temperature=0.7, top_p=1.0) & 50% #sampled';
const models = [NASTY, 'llama_2_13b_chat', 'mistral|7b*instruct_v0.2 <b>x</b> $\\alpha$ ~ ^'];

describe('modelNamesFromOption', () => {
	it('takes a value that names a model whole, though the name holds a comma', () => {
		expect(modelNamesFromOption([NASTY], models)).toEqual([NASTY]);
		expect(modelNamesFromOption([` ${NASTY} `], models)).toEqual([NASTY]);
	});
	it('reads any other value as a comma-separated list, and repeated values together', () => {
		expect(modelNamesFromOption(['llama_2_13b_chat, other'], models)).toEqual(['llama_2_13b_chat', 'other']);
		expect(modelNamesFromOption([NASTY, 'llama_2_13b_chat', NASTY], models)).toEqual([NASTY, 'llama_2_13b_chat']);
	});
});

describe('unknownModelsMessage', () => {
	it('lists the names it looked for and the models the dataset has', () => {
		const message = unknownModelsMessage(['gpt-3.5-turbo-instruct_0914 (temperature=0.7', 'top_p=1.0)'], models.slice(0, 2));
		expect(message).toBe(
			`The dataset has no responses from "gpt-3.5-turbo-instruct_0914 (temperature=0.7", "top_p=1.0)". It has responses from "${NASTY}", "llama_2_13b_chat". Give each model as its own --models value when a name holds a comma.`
		);
	});
});
