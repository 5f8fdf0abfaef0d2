/**
 * ROUGE-L exactly as Google's rouge_score computes it (`RougeScorer(["rougeL"],
 * use_stemmer=False).score(target, prediction)["rougeL"]`):
 *   precision = LCS / len(prediction tokens), recall = LCS / len(target tokens),
 *   fmeasure  = 2 * precision * recall / (precision + recall)   (0 when precision + recall = 0),
 * in IEEE doubles and in exactly that order, and all three 0 when either token list is empty.
 * F is symmetric: swapping target and prediction swaps p and r, and both + and * commute.
 */
import { lcsLength, lcsLengthDp } from './lcs';
import { tokenize } from './tokenize';
import { Vocabulary } from './vocabulary';

export interface RougeScore {
	precision: number;
	recall: number;
	fmeasure: number;
}

/** rouge_score's `scoring.fmeasure(precision, recall)`. */
export function fmeasure(precision: number, recall: number): number {
	return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** The score for an LCS length between a target of `targetLength` and a prediction of `predictionLength` tokens. */
export function scoreFromLcs(lcs: number, targetLength: number, predictionLength: number): RougeScore {
	if (targetLength === 0 || predictionLength === 0) return { precision: 0, recall: 0, fmeasure: 0 };
	const precision = lcs / predictionLength;
	const recall = lcs / targetLength;
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** F only, computed the same way as `scoreFromLcs(...).fmeasure`. */
export function fmeasureFromLcs(lcs: number, targetLength: number, predictionLength: number): number {
	if (targetLength === 0 || predictionLength === 0) return 0;
	const precision = lcs / predictionLength;
	const recall = lcs / targetLength;
	return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** ROUGE-L of two token lists (as produced by `tokenize`). */
export function rougeLTokens(target: readonly string[], prediction: readonly string[]): RougeScore {
	if (target.length === 0 || prediction.length === 0) return scoreFromLcs(0, target.length, prediction.length);
	const vocab = new Vocabulary();
	const lcs = lcsLength(vocab.internAll(target), vocab.internAll(prediction));
	return scoreFromLcs(lcs, target.length, prediction.length);
}

/** ROUGE-L of two texts. */
export function rougeL(target: string, prediction: string): RougeScore {
	return rougeLTokens(tokenize(target), tokenize(prediction));
}

/** Same as `rougeL` but with the plain dynamic programme: the reference for tests. */
export function rougeLReference(target: string, prediction: string): RougeScore {
	const t = tokenize(target);
	const p = tokenize(prediction);
	const vocab = new Vocabulary();
	return scoreFromLcs(lcsLengthDp(vocab.internAll(t), vocab.internAll(p)), t.length, p.length);
}
