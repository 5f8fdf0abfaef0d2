/**
 * Groups of near-duplicate instructions for the "Near-duplicates" page: the connected
 * components of the graph whose edges are the pairs with ROUGE-L F > threshold. Every pair is
 * found exactly (each instruction queries the index over all earlier ones, then joins it), so
 * two instructions share a group exactly when a chain of such pairs links them.
 */
import { NearDuplicateIndex } from './near-duplicate-index';

export interface ClusterItem<Id> {
	id: Id;
	instruction: string;
}

export interface NearDuplicatePair<Id> {
	/** The earlier of the two in input order. */
	a: Id;
	b: Id;
	score: number;
}

export interface NearDuplicateCluster<Id> {
	/** Members in input order. */
	members: ClusterItem<Id>[];
	/** Pairs above the threshold inside the group, highest first (capped, see options). */
	pairs: NearDuplicatePair<Id>[];
	maxScore: number;
}

export interface ClusterOptions {
	/** Pairs with ROUGE-L F above this are near-duplicates (default 0.7, Self-Instruct's). */
	threshold?: number;
	/**
	 * Pairs recorded per instruction with earlier ones, best first (default 20). Grouping always
	 * uses every pair; this only bounds the list kept for display when many copies exist.
	 */
	maxPairsPerItem?: number;
}

/** Near-duplicate groups (two or more members) among `items`, largest first, then by best score. */
export function nearDuplicateClusters<Id>(
	items: Iterable<ClusterItem<Id>>,
	options: ClusterOptions = {}
): NearDuplicateCluster<Id>[] {
	const threshold = options.threshold ?? 0.7;
	const maxPairs = options.maxPairsPerItem ?? 20;
	const index = new NearDuplicateIndex<number>({ minThreshold: threshold });
	const all: ClusterItem<Id>[] = [];
	const parent: number[] = [];
	const find = (x: number): number => {
		while (parent[x] !== x) {
			parent[x] = parent[parent[x]];
			x = parent[x];
		}
		return x;
	};
	const pairs: { a: number; b: number; score: number }[] = [];
	for (const item of items) {
		const k = all.length;
		all.push(item);
		parent.push(k);
		const prepared = index.prepare(item.instruction);
		const result = index.query(prepared, threshold, Number.POSITIVE_INFINITY);
		for (const [rank, match] of result.matches.entries()) {
			const other = index.payload(match.entry);
			const ra = find(other);
			const rb = find(k);
			if (ra !== rb) parent[rb] = ra;
			if (rank < maxPairs) pairs.push({ a: other, b: k, score: match.score });
		}
		index.add(prepared, k);
	}

	const groups = new Map<number, { members: number[]; pairs: { a: number; b: number; score: number }[] }>();
	for (let k = 0; k < all.length; k++) {
		const root = find(k);
		let g = groups.get(root);
		if (!g) groups.set(root, (g = { members: [], pairs: [] }));
		g.members.push(k);
	}
	for (const p of pairs) groups.get(find(p.a))!.pairs.push(p);

	const clusters: NearDuplicateCluster<Id>[] = [];
	for (const g of groups.values()) {
		if (g.members.length < 2) continue;
		g.pairs.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
		clusters.push({
			members: g.members.map((k) => all[k]),
			pairs: g.pairs.map((p) => ({ a: all[p.a].id, b: all[p.b].id, score: p.score })),
			maxScore: g.pairs[0].score
		});
	}
	return clusters.sort(
		(x, y) => y.members.length - x.members.length || y.maxScore - x.maxScore
	);
}
