/**
 * Units tallied by what they hold. Percent agreement, Fleiss' κ, Krippendorff's α and (for two
 * raters) Cohen's κ depend on a unit only through its present values, so units holding the same
 * values count as one entry with a multiplicity: a report of 50,000 items sums a few dozen
 * entries, and a unit's profile, made once, can be kept from one report to the next.
 */
import { type Category, type ItemRatings, type ItemRow, isPresent } from './ratings';

/** What the agreement statistics read of one unit. */
export interface UnitProfile<T extends Category, Rater = unknown> {
	/** The present values serialised: equal keys hold equal values (SameValueZero) in the same order. */
	key: string;
	/**
	 * The present values in record order; a unit of exactly two values from known raters puts the
	 * lower rater's first (Cohen's κ reads the first rater's value first).
	 */
	values: readonly T[];
	/** Who gave each value (empty for a unit given without raters). */
	raters: readonly Rater[];
}

/** One distinct profile and how many units have it. */
export interface TallyEntry<T extends Category> {
	values: readonly T[];
	units: number;
}

/**
 * Units summed by profile, in order of first appearance (so a statistic that lists values lists
 * them in the order the units first gave them).
 */
export class UnitTally<T extends Category, Rater = unknown> {
	readonly entries = new Map<string, TallyEntry<T>>();
	/** The raters of units with at least two present values: who met on a shared unit. */
	readonly sharingRaters = new Set<Rater>();

	add(profile: UnitProfile<T, Rater>): void {
		const entry = this.entries.get(profile.key);
		if (entry) entry.units++;
		else this.entries.set(profile.key, { values: profile.values, units: 1 });
		if (profile.values.length >= 2) for (const rater of profile.raters) this.sharingRaters.add(rater);
	}

	/** The tally of units given as lists of ratings (null or undefined: missing). */
	static of<T extends Category>(units: ReadonlyArray<ItemRatings<T>>): UnitTally<T, never> {
		const tally = new UnitTally<T, never>();
		for (const ratings of units) tally.add(unitProfile(ratings));
		return tally;
	}

	/** The tally of units' rows (each rater once with their value). */
	static ofRows<Rater extends Category, T extends Category>(rows: Iterable<ItemRow<Rater, T>>): UnitTally<T, Rater> {
		const tally = new UnitTally<T, Rater>();
		for (const row of rows) tally.add(rowProfile(row));
		return tally;
	}
}

/** The tally of `units` unless it is one already. */
export function tallyOf<T extends Category>(units: ReadonlyArray<ItemRatings<T>> | UnitTally<T, unknown>): UnitTally<T, unknown> {
	return units instanceof UnitTally ? units : UnitTally.of(units);
}

/** A unit's profile from its ratings alone. */
export function unitProfile<T extends Category>(ratings: ItemRatings<T>): UnitProfile<T, never> {
	const values = ratings.filter(isPresent);
	return { key: keyOf(values), values, raters: [] };
}

/**
 * A unit's profile from its row: the present values with their raters. The row's own lists when
 * nothing is missing and the order stands (a report keeps a profile per item and judgement: read
 * them, never change them).
 */
export function rowProfile<Rater extends Category, T extends Category>(row: ItemRow<Rater, T>): UnitProfile<T, Rater> {
	let values = row.values as readonly T[];
	let raters: readonly Rater[] = row.raters;
	if (row.values.some((value) => !isPresent(value))) {
		const kept: T[] = [];
		const keptRaters: Rater[] = [];
		for (let i = 0; i < row.values.length; i++) {
			const value = row.values[i];
			if (!isPresent(value)) continue;
			kept.push(value);
			keptRaters.push(row.raters[i]);
		}
		values = kept;
		raters = keptRaters;
	}
	if (values.length === 2 && raters[1] < raters[0]) {
		values = [values[1], values[0]];
		raters = [raters[1], raters[0]];
	}
	return { key: keyOf(values), values, raters };
}

/** Values serialised so that equal (SameValueZero) sequences, and only those, share a key. */
function keyOf(values: readonly Category[]): string {
	let key = '';
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		// A string is quoted (its quotes and backslashes escaped), so no comma inside one can fool the split.
		const part = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? `n${value}` : value ? 't' : 'f';
		key = i === 0 ? part : `${key},${part}`;
	}
	return key;
}
