/**
 * Latent-truth results kept between reports. Dawid–Skene with its bootstrap (200 EM refits per
 * question) is the one part of a report that takes minutes on a large audit, and the same labels
 * always give the same numbers (the bootstrap is seeded). So each result is kept under a
 * fingerprint of everything it was computed from, and a report handed the kept results reuses
 * them instead of refitting. A report may also be asked to leave large fits for later
 * (`deferAbove`): those come back with status 'pending' and are listed, so that the server can
 * compute them in the background while the page shows the other estimators.
 */
import type { LatentRate, ReviewerErrorRates } from './estimators';

/** One latent-truth result as kept: each group's rate and the reviewers' error rates. */
export interface StoredLatent {
	/** The rate it estimates (a question, or "all fields valid"). */
	key: string;
	/** Answers the fit read (on sampled items). */
	answers: number;
	groups: LatentRate[];
	reviewers: Array<[reviewerId: number, rates: ReviewerErrorRates]>;
	/** When it was computed (ISO), as the store reads it back. */
	computedAt?: string;
}

/**
 * What a report reads and leaves behind about its latent-truth fits. Plain data (it crosses to
 * the report thread and back), apart from `onReplicate` and `onStep`, which the thread sets on its side.
 */
export interface LatentMemo {
	/** Results computed before, by fingerprint. */
	known: Record<string, StoredLatent>;
	/** Fits with more answers than this are not computed but left 'pending'; absent: every fit is computed. */
	deferAbove?: number;
	/** Filled in: each result computed for this report, by fingerprint. */
	computed: Record<string, StoredLatent>;
	/** Filled in: the fingerprints left pending. */
	deferred: string[];
	/** Called after each bootstrap replicate (progress of a long computation). */
	onReplicate?: () => void;
	/** Called after each EM step of a fit: where a background computation gives way to a page. */
	onStep?: () => void;
}

/** A background computation of an audit's pending latent-truth fits, as a report page shows it. */
export interface LatentProgress {
	/** Bootstrap refits done, of `total` (the fits' replicates together). */
	done: number;
	total: number;
	/** When it started (ISO); null while it waits for another audit's. */
	startedAt: string | null;
}

export function newLatentMemo(known: Record<string, StoredLatent> = {}, deferAbove?: number): LatentMemo {
	return { known, ...(deferAbove === undefined ? {} : { deferAbove }), computed: {}, deferred: [] };
}

/**
 * Bumped whenever the estimator's numbers could change for the same data (EM, its tolerances,
 * the bootstrap, what a result holds, how the fingerprint is laid out), so that results kept by an
 * older version are not reused.
 */
export const LATENT_ALGORITHM_VERSION = 6;

const TWO_32 = 2 ** 32;

/**
 * A 64-bit fingerprint of a sequence of numbers and strings: two 32-bit lanes (MurmurHash3's
 * mixing and FNV-1a, both over 32-bit words) finished with MurmurHash3's avalanche. Not a
 * cryptographic hash; it tells apart inputs of one audit, whose results are also keyed by audit.
 */
export class Fingerprint {
	private a = 0x9747b28c;
	private b = 0x811c9dc5;
	private words = 0;

	/** One 32-bit word as it is (a tag, a code): the caller keeps such words apart from numbers. */
	word(w: number): void {
		let k = Math.imul(w, 0xcc9e2d51);
		k = (k << 15) | (k >>> 17);
		k = Math.imul(k, 0x1b873593);
		this.a ^= k;
		this.a = (this.a << 13) | (this.a >>> 19);
		this.a = (Math.imul(this.a, 5) + 0xe6546b64) | 0;
		this.b = Math.imul(this.b ^ w, 0x01000193);
		this.words++;
	}

	/** An integer exactly (any safe integer), anything else by its shortest decimal text. */
	number(x: number): this {
		if (x >>> 0 === x) {
			// The words below for the common case (ids, positions, counts), without the divisions.
			this.word(x | 0);
			this.word(0);
		} else if (Number.isSafeInteger(x)) {
			this.word(x % TWO_32 | 0);
			this.word(Math.floor(x / TWO_32) | 0);
		} else this.text(String(x));
		return this;
	}

	text(s: string): this {
		this.word(s.length);
		for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
		return this;
	}

	/** A list, its length first (so that [1, 2] + [3] and [1] + [2, 3] differ). */
	numbers(xs: ArrayLike<number>): this {
		this.word(xs.length);
		for (let i = 0; i < xs.length; i++) this.number(xs[i]);
		return this;
	}

	/** The fingerprint as two 32-bit words (unsigned). */
	digest(): [number, number] {
		const finish = (h: number) => {
			h ^= this.words;
			h ^= h >>> 16;
			h = Math.imul(h, 0x85ebca6b);
			h ^= h >>> 13;
			h = Math.imul(h, 0xc2b2ae35);
			h ^= h >>> 16;
			return h >>> 0;
		};
		return [finish(this.a), finish(this.b)];
	}

	hex(): string {
		return this.digest()
			.map((h) => h.toString(16).padStart(8, '0'))
			.join('');
	}
}
