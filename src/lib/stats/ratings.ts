/**
 * Shapes of rating data shared by the agreement statistics, and helpers that turn a flat list of
 * labels (one row per reviewer per item, as stored) into those shapes.
 */

/** A value a reviewer can give: 'yes' / 'no', 'A'–'D', a category name, a number. */
export type Category = string | number | boolean;

/**
 * The ratings one item received. null or undefined marks a missing rating, so a row of an
 * items × raters reliability matrix with gaps can be passed as it is.
 */
export type ItemRatings<T extends Category> = ReadonlyArray<T | null | undefined>;

/** One stored label: who rated which item how (value null/undefined = skipped). */
export interface RatingRecord<Item, Rater, T extends Category> {
	item: Item;
	rater: Rater;
	value: T | null | undefined;
}

export function isPresent<T>(value: T | null | undefined): value is T {
	return value !== null && value !== undefined;
}

/**
 * The ratings actually given, missing ones dropped: `ratings` itself when none is missing (a
 * report asks this of a million short lists, nearly all complete), so read it, never change it.
 */
export function presentRatings<T extends Category>(ratings: ItemRatings<T>): readonly T[] {
	for (let i = 0; i < ratings.length; i++) if (!isPresent(ratings[i])) return ratings.filter(isPresent);
	return ratings as readonly T[];
}

/** How often each value occurs, in order of first appearance. */
export function countValues<T extends Category>(values: Iterable<T>): Map<T, number> {
	const counts = new Map<T, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}

/** One item's ratings: each rater once, with their value (null or undefined: missing), in record order. */
export interface ItemRow<Rater, T extends Category> {
	raters: Rater[];
	values: Array<T | null | undefined>;
}

/**
 * How many pairs of equal values `values` holds: Σ c(c − 1)/2 over each value's count c, equal as
 * a Map's keys are (SameValueZero). A unit's handful of values are compared pairwise rather than
 * counted in a map of their own.
 */
export function equalPairs(values: ReadonlyArray<Category>): number {
	const m = values.length;
	if (m > 32) {
		let pairs = 0;
		for (const c of countValues(values).values()) pairs += (c * (c - 1)) / 2;
		return pairs;
	}
	let pairs = 0;
	for (let i = 0; i < m; i++) {
		const a = values[i];
		for (let j = i + 1; j < m; j++) {
			const b = values[j];
			if (a === b || (a !== a && b !== b)) pairs++;
		}
	}
	return pairs;
}

/**
 * Per item (in order of first appearance), each rater's value (in record order). Throws if one
 * rater rated the same item twice: the caller must pick the rating that counts. Rows are plain
 * arrays, not a map per item: a report groups hundreds of thousands of units this way.
 */
export function rowsByItem<Item, Rater, T extends Category>(records: Iterable<RatingRecord<Item, Rater, T>>): Map<Item, ItemRow<Rater, T>> {
	const table = new Map<Item, ItemRow<Rater, T>>();
	for (const { item, rater, value } of records) {
		let row = table.get(item);
		if (!row) table.set(item, (row = { raters: [], values: [] }));
		// A unit has a handful of raters: a scan is cheaper than a set per unit.
		if (row.raters.includes(rater)) throw new Error(`rater ${String(rater)} rated item ${String(item)} more than once`);
		row.raters.push(rater);
		row.values.push(value);
	}
	return table;
}

/** A row's present values, in record order (the row's own list when none is missing: read it, never change it). */
function presentValues<Rater, T extends Category>(row: ItemRow<Rater, T>): readonly T[] {
	return presentRatings(row.values);
}

/**
 * Ratings grouped per item (items in order of first appearance), missing values dropped: the
 * input of percent agreement, Fleiss' κ, Krippendorff's α and the majority label. Items whose
 * ratings were all skipped are kept with an empty list. Throws if one rater rated an item twice.
 * A list may be its row's own values: read the lists, never change them.
 */
export function ratingsByItem<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>> | ReadonlyMap<Item, ItemRow<Rater, T>>
): Map<Item, readonly T[]> {
	const rows = records instanceof Map ? (records as ReadonlyMap<Item, ItemRow<Rater, T>>) : rowsByItem(records as Iterable<RatingRecord<Item, Rater, T>>);
	const byItem = new Map<Item, readonly T[]>();
	for (const [item, row] of rows) byItem.set(item, presentValues(row));
	return byItem;
}

/**
 * The (first rater's value, second rater's value) pairs over the items both rated, in item order:
 * the input of Cohen's κ for two reviewers.
 */
export function ratingPairs<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>> | ReadonlyMap<Item, ItemRow<Rater, T>>,
	firstRater: Rater,
	secondRater: Rater
): Array<[T, T]> {
	const rows = records instanceof Map ? (records as ReadonlyMap<Item, ItemRow<Rater, T>>) : rowsByItem(records as Iterable<RatingRecord<Item, Rater, T>>);
	const pairs: Array<[T, T]> = [];
	for (const row of rows.values()) {
		const i = row.raters.indexOf(firstRater);
		const j = row.raters.indexOf(secondRater);
		if (i < 0 || j < 0) continue;
		const first = row.values[i];
		const second = row.values[j];
		if (isPresent(first) && isPresent(second)) pairs.push([first, second]);
	}
	return pairs;
}

export interface RaterAgreement {
	/** Items this rater rated that at least one other rater also rated. */
	items: number;
	/** Pairs (this rater, another rater) on the same item. */
	pairs: number;
	agreeingPairs: number;
	/** agreeingPairs / pairs; null when the rater shares no item with anyone. */
	agreement: number | null;
}

/**
 * Each rater's agreement with the other raters: over every item they rated, the share of
 * (this rater, other rater) pairs with the same value. Raters who gave only missing values
 * are listed with zero pairs.
 */
export function raterAgreement<Item, Rater, T extends Category>(records: Iterable<RatingRecord<Item, Rater, T>>): Map<Rater, RaterAgreement> {
	const list = [...records];
	return raterAgreementOfRows([...rowsByItem(list).values()], list.map((r) => r.rater));
}

/** One rater's share of their agreement from some units: what raterAgreement sums. */
export interface RaterShare<Rater> {
	rater: Rater;
	/** Units where this rater and at least one other gave a value. */
	items: number;
	pairs: number;
	agreeingPairs: number;
}

/**
 * The units' shares of each rater's agreement, one entry per rater in row order (those with only
 * missing values too, with zeros): a report keeps an item's shares and sums them, rather than
 * going over its units again each time.
 */
export function raterShares<Rater, T extends Category>(rows: ReadonlyArray<ItemRow<Rater, T>>): RaterShare<Rater>[] {
	const shares: RaterShare<Rater>[] = [];
	const shareOf = (rater: Rater): RaterShare<Rater> => {
		let found = shares.find((s) => s.rater === rater);
		if (!found) shares.push((found = { rater, items: 0, pairs: 0, agreeingPairs: 0 }));
		return found;
	};
	for (const row of rows) {
		for (const rater of row.raters) shareOf(rater);
		// The raters with a present value, and how many of them gave each value.
		const present: number[] = [];
		for (let i = 0; i < row.values.length; i++) if (isPresent(row.values[i])) present.push(i);
		if (present.length < 2) continue;
		for (const i of present) {
			const value = row.values[i];
			let same = 0;
			for (const j of present) if (j !== i && row.values[j] === value) same++;
			const share = shareOf(row.raters[i]);
			share.items += 1;
			share.pairs += present.length - 1;
			share.agreeingPairs += same;
		}
	}
	return shares;
}

/**
 * The same over units' rows as they are (no map of them: a report has 150,000 units, one per
 * item and question), or over their shares (raterShares) kept per item. Every rater is listed,
 * those with only missing values too: first `raters` (a caller's order), then in row order.
 */
export function raterAgreementOfRows<Rater, T extends Category>(
	rows: ReadonlyArray<ItemRow<Rater, T>> | Iterable<readonly RaterShare<Rater>[]>,
	raters: Iterable<Rater> = []
): Map<Rater, RaterAgreement> {
	const result = new Map<Rater, RaterAgreement>();
	const entry = (rater: Rater): RaterAgreement => {
		let found = result.get(rater);
		if (!found) {
			found = { items: 0, pairs: 0, agreeingPairs: 0, agreement: null };
			result.set(rater, found);
		}
		return found;
	};
	for (const rater of raters) entry(rater);
	for (const unit of rows) {
		for (const share of 'raters' in unit ? raterShares([unit]) : unit) {
			const stats = entry(share.rater);
			stats.items += share.items;
			stats.pairs += share.pairs;
			stats.agreeingPairs += share.agreeingPairs;
		}
	}
	for (const stats of result.values()) stats.agreement = stats.pairs === 0 ? null : stats.agreeingPairs / stats.pairs;
	return result;
}
