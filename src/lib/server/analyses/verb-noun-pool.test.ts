import { expect, it } from 'vitest';
import { VERB_NOUN_MODULE_URL, VerbNounExtractor } from '$lib/analyses/verb-noun';
import { VerbNounPool } from './verb-noun-pool';

it('worker threads running serveVerbNouns give the pairs the extractor gives in this thread, in order', async () => {
	const pool = await VerbNounPool.create(VERB_NOUN_MODULE_URL, 2);
	expect(pool).not.toBeNull();
	try {
		const texts = ['Write a poem about the sea.', 'Classify the sentiment of this review.', 'Give three tips for staying healthy.', 'What is the capital of France?'];
		const extractor = new VerbNounExtractor();
		const expected = texts.map((t) => extractor.extract(t));
		const [first, second] = await Promise.all([pool!.extract(texts.slice(0, 2)), pool!.extract(texts.slice(2))]);
		expect([...first, ...second]).toEqual(expected.map(({ verb, noun }) => ({ verb, noun })));
		expect(expected[0]).toMatchObject({ verb: 'write', noun: 'poem' });
	} finally {
		await pool?.close();
	}
}, 60_000);
