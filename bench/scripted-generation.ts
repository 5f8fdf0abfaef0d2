/**
 * The scripted model replies the generation benches use (bench/generate, bench/judge): the
 * shared pipeline script, with instruction lists and Alpaca task lists drawn from an endless
 * made-up vocabulary so long runs do not saturate the ROUGE-L pool.
 */
import type { FakeScript } from '../tests/support/fake-openai';

/** Made-up words from consonant-vowel syllables: endless, and never a blacklisted word. */
const SYLLABLES = ['ka', 'lo', 'mu', 'ne', 'ro', 'sa', 'tu', 'vo', 'ze', 'pa', 'bo', 'du', 'ke', 'mo', 'nu', 'ra', 'so', 'te'];
const VERBS = ['Describe', 'Explain', 'Compare', 'Summarize', 'List', 'Rank', 'Estimate', 'Outline'];

function word(random: () => number): string {
	const n = 2 + Math.floor(random() * 2);
	return Array.from({ length: n }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join('');
}

/** The generation script (all three pipelines). */
export async function generationScript(): Promise<FakeScript> {
	const { pipelineScript } = await import('../tests/support/fake-pipeline-script');
	const { seedFromString } = await import('../src/lib/prompts');
	const { createRng } = await import('../src/lib/random');
	const base = pipelineScript();
	// The shared script draws instructions from a few hundred phrases, which a ROUGE-L pool of
	// more than ~400 saturates; for long runs, instruction lists come from an endless vocabulary.
	const sentence = (random: () => number) =>
		`${VERBS[Math.floor(random() * VERBS.length)]} the ${word(random)} ${word(random)} of the ${word(random)} for a ${word(random)} near the ${word(random)}.`;
	const script: import('../tests/support/fake-openai').FakeScript = (request) => {
		// Alpaca: tasks 4 … 22 as "N. Instruction / N. Input / N. Output" between "###" (the stop sequences cut at 20).
		const alpaca = /\n(\d+)\. Instruction:$/.exec(request.prompt.trimEnd());
		if (alpaca) {
			const random = createRng(seedFromString(`${request.prompt}\u0000${String(request.headers['x-client-request-id'])}`));
			const items: string[] = [];
			for (let n = Number(alpaca[1]); n <= 22; n++) {
				const head = items.length ? `${n}. Instruction: ${sentence(random)}` : ` ${sentence(random)}`;
				const input = random() < 0.4 ? '<noinput>' : `The ${word(random)} ${word(random)} of ${word(random)}.`;
				items.push(`${head}\n${n}. Input:\n${input}\n${n}. Output:\nA ${word(random)} answer for ${word(random)}.`);
			}
			return items.join('\n###\n');
		}
		const next = /\n(\d+)\.$/.exec(request.prompt.trimEnd());
		if (!next) return base(request);
		const random = createRng(seedFromString(`${request.prompt}\u0000${String(request.headers['x-client-request-id'])}`));
		const items = [];
		for (let n = Number(next[1]); n <= 20; n++) {
			const text = sentence(random);
			items.push(items.length ? `${n}. ${text}` : text);
		}
		return ` ${items.join('\n')}\n\n`;
	};
	return script;
}
