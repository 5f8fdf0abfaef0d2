/**
 * Verb–noun counts and the sunburst's top verbs × top nouns (Self-Instruct Figure 2: the 20 most
 * common root verbs and the 4 most common direct-object nouns of each). Ties are broken
 * alphabetically so the same data always gives the same chart.
 */

export interface RankedCount {
	key: string;
	count: number;
}

/** The k largest counts, count descending then key ascending. */
export function topK(counts: ReadonlyMap<string, number>, k: number): RankedCount[] {
	const all: RankedCount[] = [];
	for (const [key, count] of counts) all.push({ key, count });
	all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	return all.slice(0, Math.max(0, k));
}

export interface TopVerb {
	verb: string;
	/** Instructions whose pair has this verb. */
	pairs: number;
	/** Its top nouns with their counts. */
	nouns: { noun: string; count: number }[];
	/** Pairs with this verb and a noun outside its top nouns. */
	otherNouns: number;
}

export interface VerbNounTop {
	verbs: TopVerb[];
	/** Instructions whose pair is one of the top verbs × its top nouns. */
	covered: number;
}

/** Pair counts, verb → noun → count. */
export class PairCounts {
	private readonly byVerb = new Map<string, Map<string, number>>();
	private readonly verbTotals = new Map<string, number>();
	private readonly nounTotals = new Map<string, number>();
	private pairs = 0;

	add(verb: string, noun: string, times = 1): void {
		let nouns = this.byVerb.get(verb);
		if (!nouns) this.byVerb.set(verb, (nouns = new Map()));
		nouns.set(noun, (nouns.get(noun) ?? 0) + times);
		this.verbTotals.set(verb, (this.verbTotals.get(verb) ?? 0) + times);
		this.nounTotals.set(noun, (this.nounTotals.get(noun) ?? 0) + times);
		this.pairs += times;
	}

	get total(): number {
		return this.pairs;
	}

	get distinctPairs(): number {
		let n = 0;
		for (const nouns of this.byVerb.values()) n += nouns.size;
		return n;
	}

	verbs(k: number): RankedCount[] {
		return topK(this.verbTotals, k);
	}

	nouns(k: number): RankedCount[] {
		return topK(this.nounTotals, k);
	}

	/** The top `verbs` verbs by pairs, each with its top `nouns` nouns. */
	top(verbs: number, nouns: number): VerbNounTop {
		let covered = 0;
		const out = topK(this.verbTotals, verbs).map(({ key: verb, count }) => {
			const top = topK(this.byVerb.get(verb)!, nouns).map((r) => ({ noun: r.key, count: r.count }));
			const inTop = top.reduce((a, r) => a + r.count, 0);
			covered += inTop;
			return { verb, pairs: count, nouns: top, otherNouns: count - inTop };
		});
		return { verbs: out, covered };
	}
}
