import { describe, expect, it } from 'vitest';
import { filterPreset } from './presets';
import { rougeL } from '../rouge/score';
import { InstructionPool } from './instruction-pool';

const SEEDS = ['Write a short poem about the sea.', 'Translate the sentence into French.', 'List three uses of baking soda.'];

describe('InstructionPool', () => {
	it('rejects by the instruction rules first, then by ROUGE-L against the seeds', () => {
		const pool = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		expect(pool.evaluate('Be nice.').verdict).toMatchObject({ keep: false, rule: 'wordCount' });
		expect(pool.evaluate('Draw a picture of a cat sitting on a mat.').verdict).toMatchObject({ keep: false, rule: 'blacklist' });
		const copy = pool.evaluate('write a short poem about the sea');
		expect(copy.verdict).toMatchObject({ keep: false, rule: 'rougeL' });
		expect(copy.verdict.detail).toMatch(/^rougeL 1 vs "Write a short poem about the sea\."$/);
		expect(copy.rougeL?.mostSimilar[0]).toMatchObject({ instruction: SEEDS[0], score: 1, seed: true });
	});

	it('normalises as the reference does (whitespace collapsed, capitalised)', () => {
		const pool = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		expect(pool.evaluate('  explain   how   a TELESCOPE works. ').text).toBe('Explain how a telescope works.');
	});

	it('an accepted instruction joins the pool at once, so the next one is judged against it', () => {
		const pool = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		const first = pool.evaluate('Explain how a telescope gathers light from distant stars.');
		expect(first.verdict.keep).toBe(true);
		// Not accepted yet: a near copy still passes…
		expect(pool.evaluate('Explain how a telescope gathers light from distant planets.').verdict.keep).toBe(true);
		pool.accept(first, 7);
		expect(pool.accepted).toBe(1);
		expect(pool.size).toBe(4);
		// …and once it is, the same near copy is rejected against it, with its task id.
		const second = pool.evaluate('Explain how a telescope gathers light from distant planets.');
		expect(second.verdict).toMatchObject({ keep: false, rule: 'rougeL' });
		expect(second.rougeL?.mostSimilar[0]).toMatchObject({ id: 7, seed: false });
		expect(second.rougeL?.max).toBe(rougeL(first.text, second.text).fmeasure);
	});

	it('restore rebuilds the same pool without judging again', () => {
		const a = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		const b = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		const texts = ['Explain how a telescope gathers light.', 'Suggest a name for a bakery on the coast.'];
		for (const t of texts) a.accept(a.evaluate(t));
		for (const t of texts) b.restore(a.evaluate(t).text);
		const probe = 'Suggest a name for a small bakery on the coast.';
		expect(b.evaluate(probe)).toEqual(a.evaluate(probe));
		expect(b.accepted).toBe(2);
	});

	it('keeps everything when ROUGE-L is switched off', () => {
		const config = filterPreset('self-instruct');
		config.instruction.rougeL.enabled = false;
		const pool = new InstructionPool(config, SEEDS);
		expect(pool.evaluate(SEEDS[0]).verdict.keep).toBe(true);
		expect(pool.size).toBe(0);
	});

	it('with exactAbove, gives the same verdicts and each kept instruction its exact highest F above 0.5', () => {
		const words = ['explain', 'how', 'a', 'telescope', 'gathers', 'light', 'from', 'distant', 'stars', 'planets', 'the', 'sun', 'moon', 'works', 'list', 'uses'];
		let state = 12345;
		const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
		// Variations of a few base sentences, so similarities spread over 0.3–1.
		const bases = ['explain how a telescope gathers light from distant stars', 'list the uses of the sun and the moon', 'how the planets move around the sun works'];
		const candidates = Array.from({ length: 300 }, () => {
			const w = bases[next() % bases.length].split(' ');
			for (let k = next() % 6; k > 0; k--) w[next() % w.length] = words[next() % words.length];
			return w.join(' ') + '.';
		});
		const plain = new InstructionPool(filterPreset('self-instruct'), SEEDS);
		const exact = new InstructionPool(filterPreset('self-instruct'), SEEDS, { exactAbove: 0.5 });
		const pool: string[] = [...SEEDS];
		let checked = 0;
		for (const c of candidates) {
			const a = plain.evaluate(c);
			const b = exact.evaluate(c);
			expect(b.verdict).toEqual(a.verdict);
			if (a.verdict.rule === 'rougeL') expect(b.rougeL).toEqual(a.rougeL);
			if (b.verdict.keep) {
				const max = Math.max(...pool.map((p) => rougeL(p, b.text).fmeasure));
				if (max > 0.5) {
					expect(b.rougeL?.max).toBe(max);
					checked++;
				} else expect(b.rougeL?.max ?? 0).toBeLessThanOrEqual(0.5);
				plain.accept(a);
				exact.accept(b);
				pool.push(b.text);
			}
		}
		expect(checked).toBeGreaterThan(5);
	});

	it('with `record`, every candidate — kept, rejected by ROUGE-L or by a rule — gets its 10 most similar pool instructions and the mean F', () => {
		const config = filterPreset('self-instruct');
		const seeds = Array.from({ length: 14 }, (_, i) => `Describe item number ${i} of the list in two short sentences.`);
		const pool = new InstructionPool(config, seeds.map((instruction, i) => ({ id: i, instruction })), { record: true });
		const texts = seeds.map((s) => s);
		const check = (raw: string) => {
			const e = pool.evaluate(raw);
			const scores = texts.map((t) => rougeL(t, e.text).fmeasure);
			const order = scores.map((score, i) => ({ i, score })).sort((a, b) => b.score - a.score || a.i - b.i);
			expect(e.similarity!.pool).toBe(texts.length);
			expect(e.similarity!.top.map((t) => t.instruction)).toEqual(order.slice(0, 10).map((o) => texts[o.i]));
			e.similarity!.top.forEach((t, k) => expect(t.score).toBeCloseTo(order[k].score, 14));
			expect(e.similarity!.mean).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 14);
			expect(e.similarity!.max).toBeCloseTo(Math.max(...scores), 14);
			return e;
		};
		const kept = check('Summarize the story of a book you read recently in three sentences.');
		expect(kept.verdict.keep).toBe(true);
		pool.accept(kept, 100);
		texts.push(kept.text);
		const near = check('Describe item number 3 of the list in two short sentences, please.');
		expect(near.verdict).toMatchObject({ keep: false, rule: 'rougeL' });
		expect(near.similarity!.max).toBe(near.rougeL!.max);
		expect(near.similarity!.top[0]).toMatchObject({ id: 3, seed: true });
		const ruled = check('Draw the story of a book you read recently in three sentences.');
		expect(ruled.verdict).toMatchObject({ keep: false, rule: 'blacklist' });
		expect(ruled.similarity!.top[0]).toMatchObject({ id: 100, seed: false });
		// Without the option nothing is recorded, and the verdicts are the same.
		const plain = new InstructionPool(config, seeds);
		expect(plain.evaluate('Describe item number 3 of the list in two short sentences, please.').similarity).toBeUndefined();
	});
});
