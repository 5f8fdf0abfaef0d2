export { tokenize } from './tokenize';
export { rougeL, rougeLTokens, scoreFromLcs, fmeasure, fmeasureFromLcs, type RougeScore } from './score';
export { lcsLength, lcsLengthDp, PatternBuffer } from './lcs';
export { minLcsAbove, LcsBounds } from './bounds';
export {
	NearDuplicateIndex,
	type NearDuplicateIndexOptions,
	type NearDuplicateMatch,
	type NearDuplicateResult,
	type SimilarityProfile,
	type PreparedInstruction,
	finishProfile,
	mergeNearDuplicateResults
} from './near-duplicate-index';
export { ProfileScanner, emptyProfile, type ProfileState, type ProfileMatch, type TokenSequences } from './profile';
export { ExhaustivePool, type ExhaustiveResult } from './exhaustive';
export {
	nearDuplicateClusters,
	type ClusterItem,
	type ClusterOptions,
	type NearDuplicateCluster,
	type NearDuplicatePair
} from './clusters';
export { Vocabulary } from './vocabulary';
