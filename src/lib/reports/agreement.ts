/**
 * Reviewer agreement for one judgement (a yes/no question, the error category, or A–D ratings):
 * percent agreement, a κ (Cohen's when exactly two reviewers shared items, Fleiss' otherwise)
 * and Krippendorff's α (nominal for categories, ordinal for A–D), each with its n.
 */
import {
	cohenKappa,
	fleissKappa,
	krippendorffAlpha,
	percentAgreement,
	rowsByItem,
	UnitTally,
	type Category,
	type ItemRow,
	type RatingRecord
} from '$lib/stats';

export type AgreementScale = 'yes/no' | 'category' | 'A–D';

export interface AgreementRow {
	/** What was judged: a question key, 'allValid', 'category', a model name or 'all models'. */
	key: string;
	scale: AgreementScale;
	percent: {
		/** Mean share of agreeing reviewer pairs per item; null without an item labelled twice. */
		value: number | null;
		/** Items with at least two labels. */
		items: number;
		pairs: number;
	};
	kappa: {
		/** Cohen's κ needs the same two reviewers throughout; with more reviewers, Fleiss' κ. */
		method: 'cohen' | 'fleiss';
		value: number | null;
		/** Items used: labelled by both (Cohen), labelled at least twice (Fleiss, every such item). */
		items: number;
		/** Distinct reviewers over the items labelled at least twice (not the labels per item). */
		reviewers: number;
		/**
		 * The fewest and the most labels on an item used: { 2, 2 } for Cohen; for Fleiss' κ, min < max
		 * means the generalisation to varying numbers of labels per item (Gwet 2014) was needed.
		 */
		labelsPerItem: { min: number; max: number } | null;
	};
	alpha: {
		level: 'nominal' | 'ordinal';
		value: number | null;
		/** Pairable values (labels on items with at least two labels). */
		n: number;
		units: number;
	};
}

/**
 * Agreement on one judgement from one record per reviewer per unit (item, or item × response for
 * ratings), those records grouped per unit already (ItemRow), or the units tallied by profile
 * (a report keeps each item's profiles from one view to the next). Records with a null value
 * count as missing. `order` ranks the values for ordinal α.
 */
export function agreementRow<Unit, T extends Category>(
	key: string,
	scale: AgreementScale,
	records: ReadonlyArray<RatingRecord<Unit, number, T>> | ReadonlyMap<Unit, ItemRow<number, T>> | UnitTally<T, number>,
	options: { level?: 'nominal' | 'ordinal'; order?: readonly T[] } = {}
): AgreementRow {
	const level = options.level ?? 'nominal';
	const tally =
		records instanceof UnitTally
			? records
			: UnitTally.ofRows(records instanceof Map ? (records as ReadonlyMap<Unit, ItemRow<number, T>>).values() : rowsByItem(records as ReadonlyArray<RatingRecord<Unit, number, T>>).values());
	const percent = percentAgreement(tally);

	// Which reviewers met on a shared unit decides Cohen (exactly two) or Fleiss.
	const sharing = tally.sharingRaters;
	let kappa: AgreementRow['kappa'];
	if (sharing.size === 2) {
		// Every unit with two values is then theirs, its values in rater order (the lower id's first).
		const pairs: Array<readonly [T, T]> = [];
		for (const { values, units } of tally.entries.values()) {
			if (values.length !== 2) continue;
			for (let i = 0; i < units; i++) pairs.push([values[0], values[1]]);
		}
		const result = cohenKappa(pairs, options.order ? { categories: options.order } : {});
		kappa = { method: 'cohen', value: result.kappa, items: result.n, reviewers: 2, labelsPerItem: result.n ? { min: 2, max: 2 } : null };
	} else {
		const result = fleissKappa(tally);
		kappa = { method: 'fleiss', value: result.kappa, items: result.items, reviewers: sharing.size, labelsPerItem: result.ratingsPerItem };
	}

	const alpha = krippendorffAlpha(tally, level === 'ordinal' ? { level, order: options.order } : { level });
	return {
		key,
		scale,
		percent: { value: percent.agreement, items: percent.items, pairs: percent.pairs },
		kappa,
		alpha: { level, value: alpha.alpha, n: alpha.n, units: alpha.units }
	};
}

/** "3 labels per item" or "2–3 labels per item" (κ then generalised for the varying number); `unit` for a rating audit's responses. */
export function labelsPerItemText(kappa: AgreementRow['kappa'], unit: 'item' | 'response' = 'item'): string {
	const range = kappa.labelsPerItem;
	if (!range) return `no ${unit} labelled twice`;
	return `${range.min === range.max ? range.min : `${range.min}–${range.max}`} labels per ${unit}`;
}
