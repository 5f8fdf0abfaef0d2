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

/** The ratings actually given, missing ones dropped. */
export function presentRatings<T extends Category>(ratings: ItemRatings<T>): T[] {
	return ratings.filter(isPresent);
}

/** How often each value occurs, in order of first appearance. */
export function countValues<T extends Category>(values: Iterable<T>): Map<T, number> {
	const counts = new Map<T, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}

/**
 * Per item (in order of first appearance), each rater's present value (in record order).
 * Throws if one rater rated the same item twice: the caller must pick the rating that counts.
 */
function valuesByItemAndRater<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>>
): Map<Item, Map<Rater, T>> {
	const table = new Map<Item, Map<Rater, T>>();
	const seen = new Map<Item, Set<Rater>>();
	for (const { item, rater, value } of records) {
		let raters = seen.get(item);
		if (!raters) {
			raters = new Set();
			seen.set(item, raters);
			table.set(item, new Map());
		}
		if (raters.has(rater)) throw new Error(`rater ${String(rater)} rated item ${String(item)} more than once`);
		raters.add(rater);
		if (isPresent(value)) table.get(item)!.set(rater, value);
	}
	return table;
}

/**
 * Ratings grouped per item (items in order of first appearance), missing values dropped: the
 * input of percent agreement, Fleiss' κ, Krippendorff's α and the majority label. Items whose
 * ratings were all skipped are kept with an empty list. Throws if one rater rated an item twice.
 */
export function ratingsByItem<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>>
): Map<Item, T[]> {
	const byItem = new Map<Item, T[]>();
	for (const [item, row] of valuesByItemAndRater(records)) byItem.set(item, [...row.values()]);
	return byItem;
}

/**
 * The (first rater's value, second rater's value) pairs over the items both rated, in item order:
 * the input of Cohen's κ for two reviewers.
 */
export function ratingPairs<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>>,
	firstRater: Rater,
	secondRater: Rater
): Array<[T, T]> {
	const pairs: Array<[T, T]> = [];
	for (const row of valuesByItemAndRater(records).values()) {
		const first = row.get(firstRater);
		const second = row.get(secondRater);
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
export function raterAgreement<Item, Rater, T extends Category>(
	records: Iterable<RatingRecord<Item, Rater, T>>
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
	const records_ = [...records];
	for (const { rater } of records_) entry(rater);
	for (const row of valuesByItemAndRater(records_).values()) {
		if (row.size < 2) continue;
		const counts = countValues(row.values());
		for (const [rater, value] of row) {
			const stats = entry(rater);
			stats.items += 1;
			stats.pairs += row.size - 1;
			stats.agreeingPairs += counts.get(value)! - 1;
		}
	}
	for (const stats of result.values()) stats.agreement = stats.pairs === 0 ? null : stats.agreeingPairs / stats.pairs;
	return result;
}
