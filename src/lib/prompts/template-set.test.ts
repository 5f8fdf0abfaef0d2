import { describe, expect, it } from 'vitest';
import { ALPACA_DECODING } from './decoding';
import { PROMPT_STEPS } from './steps';
import { parseTemplateSet, templateSetOf, templateSetRequest, TemplateSetError } from './template-set';

describe('template sets', () => {
	it('round-trips every step of a run: export, then load gives the same templates and decoding', () => {
		const steps = Object.fromEntries(
			Object.values(PROMPT_STEPS).map((s) => [s.id, { template: { text: s.defaultTemplate }, decoding: { ...s.decoding } }])
		);
		const set = templateSetOf(steps, 'paper defaults');
		const loaded = parseTemplateSet(JSON.stringify(set));
		expect(loaded).toEqual(set);
		const request = templateSetRequest(loaded);
		expect(request.templates['alpaca/generation']).toBe(PROMPT_STEPS['alpaca/generation'].defaultTemplate);
		expect(request.decoding['alpaca/generation']).toEqual({ ...ALPACA_DECODING });
	});

	it('reports every problem at once, naming step and field', () => {
		const bad = {
			steps: {
				'alpaca/generaton': { template: 'x' },
				'alpaca/generation': { template: 'List:\n{{next_number}}. Instruction:', decoding: { temprature: 1, maxTokens: '3072' } },
				'unnatural/core': { template: '{{demonstrations}} {{next_number}} {{shots}}' }
			}
		};
		let error: TemplateSetError | undefined;
		try {
			parseTemplateSet(bad, 'team.json');
		} catch (err) {
			error = err as TemplateSetError;
		}
		expect(error).toBeInstanceOf(TemplateSetError);
		expect(error!.message.startsWith('team.json: ')).toBe(true);
		expect(error!.problems).toEqual([
			expect.stringMatching(/^unknown step "alpaca\/generaton" \(known: .*alpaca\/generation/),
			expect.stringMatching(/^step "alpaca\/generation" template: The template must contain \{\{seed_tasks\}\}/),
			'step "alpaca/generation" decoding: unknown field "temprature" (known: maxTokens, temperature, topP, frequencyPenalty, presencePenalty, stop).',
			'step "alpaca/generation" decoding: "maxTokens" must be a number.',
			expect.stringMatching(/^step "unnatural\/core" template: Unknown placeholder \{\{shots\}\}/)
		]);
	});

	it('refuses text that is not JSON, or has no steps', () => {
		expect(() => parseTemplateSet('{not json')).toThrow(/not valid JSON/);
		expect(() => parseTemplateSet('[]')).toThrow(/JSON object with "steps"/);
		expect(() => parseTemplateSet('{"name": "x"}')).toThrow(/"steps" must be an object/);
	});
});
