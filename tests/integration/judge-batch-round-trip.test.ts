/**
 * The judge's pure pieces end to end through the official SDK and the scripted server's Batch
 * API: judge prompts → batch input file → files.create / batches.create → poll → output and
 * error files → results matched by custom_id → strict reply parsing → MT-Bench swap rule →
 * calibration against human labels → prediction-powered estimate. Phase B puts the judge run
 * engine between these steps; this checks the formats agree.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	batchInputFiles,
	combineSwappedVerdicts,
	judgeCustomId,
	matchBatchResults,
	parseBatchResultFile,
	parseJudgeCustomId,
	qualityCalibration,
	type BatchRequest
} from '../../src/lib/judge';
import {
	buildQualityJudgePrompt,
	buildSwappedPairwisePrompts,
	JUDGE_PROMPT_STEPS,
	parsePairwiseJudgeReply,
	parseQualityJudgeReply
} from '../../src/lib/prompts';
import { predictionPoweredRate, ppiInputFromRows } from '../../src/lib/stats/ppi';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';

/**
 * A scripted judge: an output containing "WRONG" is invalid; "GARBLE" gets a reply in prose;
 * pairwise, it prefers the response that says "good" — except on the instruction "biased",
 * where it always picks whatever is shown first (position bias).
 */
const judge: FakeScript = (request) => {
	const prompt = request.prompt;
	if (prompt.includes('### Response A')) {
		const a = /### Response A\n([\s\S]*?)\n\n### Response B/.exec(prompt)![1];
		if (prompt.includes('### Instruction\nbiased')) return JSON.stringify({ verdict: 'A', reason: 'first is best' });
		return JSON.stringify({ verdict: a.includes('good') ? 'A' : 'B', reason: 'the good one' });
	}
	const output = /### Output\n([\s\S]*?)\n\nReply with/.exec(prompt)![1];
	if (output.includes('GARBLE')) return 'Sure! I think the output is fine.';
	const ok = !output.includes('WRONG');
	return JSON.stringify({
		instruction: { valid: true, reason: 'A task.' },
		input: { valid: true, reason: 'Fits.' },
		output: { valid: ok, reason: ok ? 'Correct.' : 'Incorrect.' }
	});
};

let fake: FakeOpenAI;
let client: OpenAI;
beforeAll(async () => {
	fake = await startFakeOpenAI({ script: judge });
	client = new OpenAI({ baseURL: fake.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => fake.close());

function chatBody(prompt: string, decoding = JUDGE_PROMPT_STEPS['judge/quality'].decoding) {
	return {
		model: 'judge-model',
		messages: [{ role: 'user', content: prompt }],
		temperature: decoding.temperature,
		top_p: decoding.topP,
		max_tokens: decoding.maxTokens
	};
}

async function runBatch(requests: BatchRequest[]): Promise<Map<string, string>> {
	const [input] = batchInputFiles('/v1/chat/completions', requests);
	const file = await client.files.create({ file: await toFile(Buffer.from(input.text), 'judge-run-1.jsonl'), purpose: 'batch' });
	const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
	let current = batch;
	while (!['completed', 'failed', 'expired', 'cancelled'].includes(current.status)) {
		await new Promise((r) => setTimeout(r, 10));
		current = await client.batches.retrieve(batch.id);
	}
	expect(current.status).toBe('completed');
	const text = await (await client.files.content(current.output_file_id!)).text();
	const { results, problems } = parseBatchResultFile(text);
	expect(problems).toEqual([]);
	const match = matchBatchResults(input.customIds, results);
	expect(match.missing).toEqual([]);
	const replies = new Map<string, string>();
	for (const [id, result] of match.byCustomId) {
		if (result.kind !== 'response') throw new Error(`${id}: ${result.kind}`);
		replies.set(id, (result.body as { choices: Array<{ message: { content: string } }> }).choices[0].message.content);
	}
	return replies;
}

describe('judge through the Batch API', () => {
	it('judges rows, parses strictly, calibrates against humans and estimates the rate', async () => {
		// 40 rows: every 4th output is wrong; humans audited the first 20 (they also call row 1 wrong,
		// where the judge missed it). Row 7's reply is prose: a typed failure, never a guess.
		const rows = Array.from({ length: 40 }, (_, i) => ({
			instruction: `Task ${i}`,
			input: '',
			output: i === 7 ? 'GARBLE' : i % 4 === 0 ? `WRONG answer ${i}` : `answer ${i}`
		}));
		const requests = rows.map((row, i) => ({ customId: judgeCustomId(1, i + 1), body: chatBody(buildQualityJudgePrompt(row)) }));
		const replies = await runBatch(requests);

		const verdicts: Array<boolean | null> = [];
		const failures: string[] = [];
		for (const request of requests) {
			const { callId } = parseJudgeCustomId(request.customId)!;
			const parsed = parseQualityJudgeReply(replies.get(request.customId)!);
			if (parsed.ok) {
				const j = parsed.value;
				verdicts[callId - 1] = j.instruction.valid && j.input.valid && j.output.valid;
			} else {
				verdicts[callId - 1] = null;
				failures.push(`${callId - 1}: ${parsed.problem}: ${parsed.raw}`);
			}
		}
		expect(failures).toEqual(['7: not_json: Sure! I think the output is fine.']);
		expect(verdicts.filter((v) => v === false)).toHaveLength(10);

		const human = (i: number) => !(i % 4 === 0 || i === 1);
		const calibration = qualityCalibration(
			Array.from({ length: 20 }, (_, i) => ({
				judge: verdicts[i] === null ? null : { instruction: true, input: true, output: verdicts[i] },
				human: { instruction: true, input: true, output: human(i) }
			}))
		);
		expect(calibration.allValid.judgeMissing).toBe(1);
		expect(calibration.allValid.confusion).toEqual({ truePositives: 13, falseNegatives: 0, falsePositives: 1, trueNegatives: 5 });

		const estimate = predictionPoweredRate(ppiInputFromRows(verdicts, new Map(Array.from({ length: 20 }, (_, i) => [i, human(i)]))));
		// Judge says yes to 29 of 40 (row 7 unparsed counts as no); the audit corrects it.
		expect(estimate.judgeRate).toBeCloseTo(29 / 40, 15);
		expect(estimate.auditedRows).toBe(20);
		expect(estimate.estimate!).toBeGreaterThan(0.5);
		expect(estimate.estimate!).toBeLessThan(0.8);
		expect(estimate.humanOnly.successes).toBe(14);
	});

	it('judges pairs twice with the order swapped; a position-biased verdict becomes a tie', async () => {
		const pairs = [
			{ instruction: 'fair', input: '', first: 'a good answer', second: 'a poor answer' },
			{ instruction: 'fair', input: '', first: 'a poor answer', second: 'a good answer' },
			{ instruction: 'biased', input: '', first: 'a good answer', second: 'a poor answer' }
		];
		const requests = pairs.flatMap((pair, i) => {
			const { original, swapped } = buildSwappedPairwisePrompts(pair);
			const decoding = JUDGE_PROMPT_STEPS['judge/pairwise'].decoding;
			return [
				{ customId: judgeCustomId(2, 2 * i + 1), body: chatBody(original, decoding) },
				{ customId: judgeCustomId(2, 2 * i + 2), body: chatBody(swapped, decoding) }
			];
		});
		const replies = await runBatch(requests);
		const verdict = (callId: number) => {
			const parsed = parsePairwiseJudgeReply(replies.get(judgeCustomId(2, callId))!);
			if (!parsed.ok) throw new Error(parsed.message);
			return parsed.value.verdict;
		};
		const outcomes = pairs.map((_, i) => combineSwappedVerdicts(verdict(2 * i + 1), verdict(2 * i + 2)));
		expect(outcomes.map((o) => [o.winner, o.consistent])).toEqual([
			['first', true],
			['second', true],
			['tie', false]
		]);
	});
});
