/**
 * A confidence interval for Cohen's (unweighted) κ from its k × k table, by the large-sample
 * variance of Fleiss, Cohen & Everitt (1969), "Large sample standard errors of kappa and
 * weighted kappa", Psychol Bull 72:323–327 (as in Fleiss, Levin & Paik 2003, §18.1):
 *   Var(κ̂) = [ Σᵢ pᵢᵢ (1 − (pᵢ. + p.ᵢ)(1 − κ))² + (1 − κ)² Σᵢ≠ⱼ pᵢⱼ (p.ᵢ + pⱼ.)² − (κ − pₑ(1 − κ))² ]
 *            / (n (1 − pₑ)²)
 * and κ̂ ± z·SE, clipped to [−1, 1]. This is the non-null variance (Stata's kapci, R statpsych's
 * ci.kappa), not the null-hypothesis one used for testing κ = 0.
 */
import { cohenKappaFromTable } from './agreement';
import { DEFAULT_CONFIDENCE, wilsonInterval } from './proportion';
import { zForConfidence } from './normal';

export interface KappaInterval {
	/** null when there are no items, pₑ = 1 (κ undefined), or one rater gave one answer to every item (oneAnswer). */
	kappa: number | null;
	/**
	 * Set when one rater (the table's rows or its columns) gave the same answer to every item: κ is
	 * then 0 whatever the other did and its variance ~0, so "0.000 [0.000, 0.000]" would read as a
	 * precise measurement of no agreement. κ is left undefined instead.
	 */
	oneAnswer: 'rows' | 'columns' | null;
	standardError: number | null;
	lower: number | null;
	upper: number | null;
	n: number;
	confidence: number;
}

export function cohenKappaInterval(table: ReadonlyArray<ReadonlyArray<number>>, options: { confidence?: number } = {}): KappaInterval {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const z = zForConfidence(confidence);
	const { kappa, n, expectedAgreement } = cohenKappaFromTable(table);
	if (kappa === null || expectedAgreement === null || n === 0) {
		return { kappa, oneAnswer: null, standardError: null, lower: null, upper: null, n, confidence };
	}
	const k = table.length;
	const rowCounts = table.map((row) => row.reduce((sum, x) => sum + x, 0));
	const columnCounts = table.map((_, j) => table.reduce((sum, row) => sum + row[j], 0));
	const oneAnswer = rowCounts.includes(n) ? 'rows' : columnCounts.includes(n) ? 'columns' : null;
	if (oneAnswer) return { kappa: null, oneAnswer, standardError: null, lower: null, upper: null, n, confidence };
	const p = table.map((row) => row.map((count) => count / n));
	const rows = p.map((row) => row.reduce((sum, x) => sum + x, 0));
	const columns = p.map((_, j) => p.reduce((sum, row) => sum + row[j], 0));
	const pe = expectedAgreement;
	let diagonal = 0;
	let offDiagonal = 0;
	for (let i = 0; i < k; i++) {
		diagonal += p[i][i] * (1 - (rows[i] + columns[i]) * (1 - kappa)) ** 2;
		for (let j = 0; j < k; j++) if (i !== j) offDiagonal += p[i][j] * (columns[i] + rows[j]) ** 2;
	}
	const variance = (diagonal + (1 - kappa) ** 2 * offDiagonal - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2);
	const standardError = Math.sqrt(Math.max(0, variance));
	if (table.every((row, i) => row.every((count, j) => i === j || count === 0))) {
		// Perfect agreement: the large-sample variance is 0, and [1, 1] would claim certainty from
		// n items. The lower end is instead the Wilson lower bound of the observed agreement (n of n)
		// carried to κ with pₑ held at its observed value: (p_lower − pₑ) / (1 − pₑ).
		const agreementLower = wilsonInterval(n, n, { confidence }).lower;
		return { kappa, oneAnswer: null, standardError, lower: Math.max(-1, (agreementLower - pe) / (1 - pe)), upper: 1, n, confidence };
	}
	return {
		kappa,
		oneAnswer: null,
		standardError,
		lower: Math.max(-1, kappa - z * standardError),
		upper: Math.min(1, kappa + z * standardError),
		n,
		confidence
	};
}
