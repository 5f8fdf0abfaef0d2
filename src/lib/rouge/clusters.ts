/**
 * Groups of near-duplicate instructions for the "Near-duplicates" page, from the graph whose
 * edges are the pairs with ROUGE-L F > threshold. Every pair is found exactly (each instruction
 * queries the index over all earlier ones, then joins it). Two linkages:
 * - `components` (single linkage): two instructions share a group exactly when a chain of such
 *   pairs links them — at a low threshold chains can join thousands of loosely related ones;
 * - `centre` (stricter): each group is a centre and instructions within the threshold of it,
 *   so every member is a near-duplicate of the centre. Centres are chosen greedily, the
 *   instruction with the most unassigned near-duplicates first (ties in input order), over the
 *   recorded pairs (each instruction's `maxPairsPerItem` closest earlier ones).
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
	/** All pairs above the threshold inside the group, listed or not. */
	pairCount: number;
	maxScore: number;
	/** `centre` linkage: the member every other one is within the threshold of. */
	centre?: Id;
}

export const LINKAGES = ['components', 'centre'] as const;
export type Linkage = (typeof LINKAGES)[number];

export function isLinkage(name: string): name is Linkage {
	return (LINKAGES as readonly string[]).includes(name);
}

export interface ClusterOptions {
	/** Pairs with ROUGE-L F above this are near-duplicates (default 0.7, Self-Instruct's). */
	threshold?: number;
	/**
	 * Pairs recorded per instruction with earlier ones, best first (default 20). Grouping always
	 * uses every pair; this only bounds the list kept for display when many copies exist.
	 */
	maxPairsPerItem?: number;
	/** How pairs make groups (default `components`); see the top of this file. */
	linkage?: Linkage;
}

/** Near-duplicate groups (two or more members) among `items`, largest first, then by best score. */
export function nearDuplicateClusters<Id>(
	items: Iterable<ClusterItem<Id>>,
	options: ClusterOptions = {}
): NearDuplicateCluster<Id>[] {
	const clustering = new NearDuplicateClustering<Id>(options);
	for (const item of items) clustering.add(item);
	return clustering.clusters();
}

/**
 * The same grouping fed one item at a time, so a caller can give other work a turn between items
 * (the server, between batches of a large dataset's rows).
 */
export class NearDuplicateClustering<Id> {
	private readonly threshold: number;
	private readonly maxPairs: number;
	private readonly index: NearDuplicateIndex<number>;
	private readonly all: ClusterItem<Id>[] = [];
	private readonly parent: number[] = [];
	private readonly pairs: { a: number; b: number; score: number }[] = [];
	// Every pair above the threshold, counted per group root as groups merge.
	private readonly edgeCount: number[] = [];
	// Both ends of every pair above the threshold, listed or not (centre groups count those inside them): a, b, a, b…
	private readonly pairEnds: number[] = [];
	/** Pairs above the threshold among the items added so far (each costs an exact ROUGE-L). */
	pairsFound = 0;

	constructor(private readonly options: ClusterOptions = {}) {
		this.threshold = options.threshold ?? 0.7;
		this.maxPairs = options.maxPairsPerItem ?? 20;
		this.index = new NearDuplicateIndex<number>({ minThreshold: this.threshold });
	}

	private find(x: number): number {
		const parent = this.parent;
		while (parent[x] !== x) {
			parent[x] = parent[parent[x]];
			x = parent[x];
		}
		return x;
	}

	/** The next item in input order: paired with every earlier one above the threshold. */
	add(item: ClusterItem<Id>): void {
		const { all, parent, edgeCount, index } = this;
		const k = all.length;
		all.push(item);
		parent.push(k);
		edgeCount.push(0);
		const prepared = index.prepare(item.instruction);
		const result = index.query(prepared, this.threshold, Number.POSITIVE_INFINITY);
		this.pairsFound += result.matches.length;
		for (const [rank, match] of result.matches.entries()) {
			const other = index.payload(match.entry);
			const ra = this.find(other);
			const rb = this.find(k);
			if (ra !== rb) {
				parent[rb] = ra;
				edgeCount[ra] += edgeCount[rb];
			}
			edgeCount[ra]++;
			this.pairEnds.push(other, k);
			if (rank < this.maxPairs) this.pairs.push({ a: other, b: k, score: match.score });
		}
		index.add(prepared, k);
	}

	/** The groups of the items added so far. */
	clusters(): NearDuplicateCluster<Id>[] {
		const { all, pairs, edgeCount } = this;
		if (this.options.linkage === 'centre') return centreClusters(all, pairs, this.pairEnds);

		const groups = new Map<number, { members: number[]; pairs: { a: number; b: number; score: number }[] }>();
		for (let k = 0; k < all.length; k++) {
			const root = this.find(k);
			let g = groups.get(root);
			if (!g) groups.set(root, (g = { members: [], pairs: [] }));
			g.members.push(k);
		}
		for (const p of pairs) groups.get(this.find(p.a))!.pairs.push(p);

		const clusters: NearDuplicateCluster<Id>[] = [];
		for (const g of groups.values()) {
			if (g.members.length < 2) continue;
			g.pairs.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
			clusters.push({
				members: g.members.map((k) => all[k]),
				pairs: g.pairs.map((p) => ({ a: all[p.a].id, b: all[p.b].id, score: p.score })),
				pairCount: edgeCount[this.find(g.members[0])],
				maxScore: g.pairs[0].score
			});
		}
		return clusters.sort((x, y) => y.members.length - x.members.length || y.maxScore - x.maxScore);
	}
}

/**
 * Greedy centre linkage over the recorded pairs (indices into `all`), largest groups first; each
 * group's pair count is every pair above the threshold between its members (`pairEnds`), not
 * only the recorded ones.
 */
function centreClusters<Id>(all: ClusterItem<Id>[], pairs: { a: number; b: number; score: number }[], pairEnds: readonly number[]): NearDuplicateCluster<Id>[] {
	const neighbours: number[][] = all.map(() => []);
	for (const p of pairs) {
		neighbours[p.a].push(p.b);
		neighbours[p.b].push(p.a);
	}
	const cluster = new Int32Array(all.length).fill(-1);
	const free = (k: number) => neighbours[k].reduce((n, m) => n + (cluster[m] < 0 ? 1 : 0), 0);
	// A max-heap of candidates by their count of unassigned near-duplicates (ties: input order).
	// Counts only fall, so a popped entry whose count is stale is recounted and pushed back.
	const heap: Array<[number, number]> = [];
	const before = (x: [number, number], y: [number, number]) => x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
	const push = (e: [number, number]) => {
		heap.push(e);
		for (let i = heap.length - 1; i > 0; ) {
			const up = (i - 1) >> 1;
			if (!before(heap[i], heap[up])) break;
			[heap[i], heap[up]] = [heap[up], heap[i]];
			i = up;
		}
	};
	const pop = (): [number, number] => {
		const top = heap[0];
		const last = heap.pop()!;
		if (heap.length) {
			heap[0] = last;
			for (let i = 0; ; ) {
				const l = 2 * i + 1;
				const r = l + 1;
				let best = i;
				if (l < heap.length && before(heap[l], heap[best])) best = l;
				if (r < heap.length && before(heap[r], heap[best])) best = r;
				if (best === i) break;
				[heap[i], heap[best]] = [heap[best], heap[i]];
				i = best;
			}
		}
		return top;
	};
	for (let k = 0; k < all.length; k++) if (neighbours[k].length) push([neighbours[k].length, k]);
	const groups: Array<{ centre: number; members: number[] }> = [];
	while (heap.length) {
		const [count, k] = pop();
		if (cluster[k] >= 0) continue;
		const now = free(k);
		if (now !== count) {
			if (now > 0) push([now, k]);
			continue;
		}
		const members = [k, ...neighbours[k].filter((m) => cluster[m] < 0)].sort((x, y) => x - y);
		for (const m of members) cluster[m] = groups.length;
		groups.push({ centre: k, members });
	}
	const own: Array<Array<{ a: number; b: number; score: number }>> = groups.map(() => []);
	for (const p of pairs) if (cluster[p.a] >= 0 && cluster[p.a] === cluster[p.b]) own[cluster[p.a]].push(p);
	const inside = new Array<number>(groups.length).fill(0);
	for (let i = 0; i < pairEnds.length; i += 2) {
		const g = cluster[pairEnds[i]];
		if (g >= 0 && g === cluster[pairEnds[i + 1]]) inside[g]++;
	}
	return groups
		.map(({ centre, members }, g) => {
			const list = own[g].sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
			return {
				members: members.map((k) => all[k]),
				pairs: list.map((p) => ({ a: all[p.a].id, b: all[p.b].id, score: p.score })),
				pairCount: inside[g],
				maxScore: list[0].score,
				centre: all[centre].id
			};
		})
		.sort((x, y) => y.members.length - x.members.length || y.maxScore - x.maxScore);
}
