/**
 * The label an item gets when several reviewers rated it: the most frequent value (plurality),
 * with ties reported rather than broken silently, so reports can list them for adjudication.
 */
import { type Category, type ItemRatings, countValues, presentRatings } from './ratings';

export type MajorityLabel<T extends Category> =
	/** One value was given more often than any other. */
	| { kind: 'majority'; label: T; count: number; total: number }
	/** Several values share the top count; `tied` lists them in order of first appearance. */
	| { kind: 'tie'; tied: T[]; count: number; total: number }
	/** No (present) ratings at all. */
	| { kind: 'none'; total: 0 };

/**
 * Plurality label of one item's ratings (missing ratings ignored). "Majority" here means the
 * modal value: with three reviewers answering yes / no / skip, the single answer is the label;
 * with yes / no it is a tie. `count` is the top value's count and `total` the present ratings,
 * so a caller wanting a strict majority can check count * 2 > total.
 */
export function majorityLabel<T extends Category>(ratings: ItemRatings<T>): MajorityLabel<T> {
	const present = presentRatings(ratings);
	if (present.length === 0) return { kind: 'none', total: 0 };
	const counts = countValues(present);
	let top = 0;
	for (const count of counts.values()) top = Math.max(top, count);
	const leaders = [...counts].filter(([, count]) => count === top).map(([value]) => value);
	if (leaders.length === 1) return { kind: 'majority', label: leaders[0], count: top, total: present.length };
	return { kind: 'tie', tied: leaders, count: top, total: present.length };
}
