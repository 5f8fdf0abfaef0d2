/**
 * What a judge run's verdicts came to, in its mode's own terms, for every reader (run page,
 * `judge status`): quality runs count rows with all three questions yes; rating runs the A–D
 * ratings of responses; pairwise runs the winners of pairs and the pairs whose two orders
 * disagreed (position bias, recorded as ties). Pure.
 */

/** The counters this reads (runs/judge/progress.ts). */
export interface JudgeResultCounters {
	allValid: number;
	ratings: Record<string, number>;
	winners: Record<string, number>;
	inconsistent: number;
}

export interface JudgeResults {
	/** What the run judges: rows, responses or pairs. */
	unit: 'rows' | 'responses' | 'pairs';
	/** The readable verdicts in a few words, e.g. "12 all valid" or "first 18, second 8, tie 10; 6 inconsistent". */
	readable: string;
	/** The same as labelled figures (the run page's tiles). */
	figures: { key: string; label: string; value: number }[];
}

const RATING_LEVELS = ['A', 'B', 'C', 'D'] as const;

/** What one unit a judge run judges is, in its mode: the unit of its target and its counters. */
export function judgeUnit(mode: string): JudgeResults['unit'] {
	return mode === 'rating' ? 'responses' : mode === 'pairwise' ? 'pairs' : 'rows';
}

export function judgeResults(mode: string, c: JudgeResultCounters): JudgeResults {
	if (mode === 'rating') {
		const figures = RATING_LEVELS.map((k) => ({ key: `rating-${k}`, label: `Rated ${k}`, value: c.ratings[k] ?? 0 }));
		return { unit: judgeUnit(mode), readable: figures.map((f, i) => `${f.value} ${RATING_LEVELS[i]}`).join(', '), figures };
	}
	if (mode === 'pairwise') {
		const first = c.winners.first ?? 0;
		const second = c.winners.second ?? 0;
		const tie = c.winners.tie ?? 0;
		return {
			unit: judgeUnit(mode),
			readable: `first ${first}, second ${second}, tie ${tie}; ${c.inconsistent} inconsistent`,
			figures: [
				{ key: 'first', label: 'First response better', value: first },
				{ key: 'second', label: 'Second response better', value: second },
				{ key: 'tie', label: 'Ties (inconsistent included)', value: tie },
				{ key: 'inconsistent', label: 'Inconsistent when swapped (position bias)', value: c.inconsistent }
			]
		};
	}
	return { unit: judgeUnit(mode), readable: `${c.allValid} all valid`, figures: [{ key: 'all-valid', label: 'All three yes', value: c.allValid }] };
}
