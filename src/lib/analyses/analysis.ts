/**
 * The analyses of one set of instructions (a dataset, a generation run, an export selection), as
 * Self-Instruct draws them for its generated data: the verb–noun structure (Figure 2), each
 * instruction's ROUGE-L to the seeds (Figure 3) and the length distributions in words of
 * instructions, non-empty inputs and outputs (Figure 4). Rows are fed one at a time, so a
 * dataset of any size is read as a stream; the result is plain JSON (cached and sent to pages).
 */
import { CountHistogram, ScoreHistogram, sparseCounts, type Distribution, type ScoreSummary } from './histogram';
import { SeedSimilarity } from './seed-similarity';
import { PairCounts, type RankedCount, type TopVerb } from './top-k';
import type { VerbNoun, VerbNounExtractor } from './verb-noun';
import { formatCount, formatNumber } from '$lib/text/words';
import { SELF_INSTRUCT_ROUGE_L_THRESHOLD } from '$lib/filters/presets';

/**
 * Bumped when the analyses change, so cached results from older code are not reused
 * (3: the verb–noun rules for copula questions, "Re-write", "at least N", "to me"; 4: token-less
 * instructions and seeds counted, what each figure covers, sentences split after dotted abbreviations;
 * 5: a score an ulp below a threshold counted exactly on it, as its bar is; 6: a word inside
 * quotation marks is never the root verb).
 */
export const ANALYSIS_VERSION = 6;

/** The sunburst of Self-Instruct Figure 2: 20 verbs × 4 nouns. */
export const TOP_VERBS = 20;
export const TOP_NOUNS = 4;
/** The sunburst's name, in the number its verbs come to: "Top 1 verb and its top 4 nouns", "Top 20 verbs and their …". */
export function topVerbsText(verbs: number): string {
	return `Top ${formatCount(verbs, 'verb')} and ${verbs === 1 ? 'its' : 'their'} top ${TOP_NOUNS} nouns`;
}

/** The verb–noun table's caption. */
export function topVerbsTableCaption(verbs: number): string {
	return `Top ${formatCount(verbs, 'verb')} by pairs, each with its top ${TOP_NOUNS} nouns`;
}

/** How many verbs and nouns the result lists beyond the sunburst (tables, CLI). */
export const LISTED = 50;
/** A share of instructions above 0.5 is always given (Self-Instruct Figure 3 marks it), besides the filter's threshold. */
export const SIMILARITY_MARK = 0.5;

/**
 * The ROUGE-L threshold the histogram is read against, and where it comes from: the dataset's
 * latest filter run that applied ROUGE-L, else the filters of the generation run that wrote the
 * rows, else Self-Instruct's 0.7.
 */
export interface SimilarityThreshold {
	value: number;
	/** The filter run it comes from, or null. */
	filterRunId: number | null;
	/** The generation run whose own filters it comes from (no filter run set one), or null. */
	generationRunId: number | null;
}

export const SELF_INSTRUCT_SIMILARITY_THRESHOLD: SimilarityThreshold = { value: SELF_INSTRUCT_ROUGE_L_THRESHOLD, filterRunId: null, generationRunId: null };

/** How the verb–noun lemmas (wink's, see ./verb-noun) differ from the paper's spaCy lemmas, for the pages and captions. */
export const VERB_NOUN_LEMMA_NOTE = 'Verbs and nouns are counted by lemma, British spellings merged with American ones (analyse → analyze, colours → color), which the spaCy lemmas of the paper do not do.';

export interface LengthDistribution extends Distribution {
	/** [length in words, instructions or instances of that length], lengths that occur. */
	counts: [number, number][];
}

export interface VerbNounAnalysis {
	instructions: number;
	/** Instructions with a root verb and a direct-object noun. */
	withPair: number;
	/** A root verb without a noun object. */
	verbOnly: number;
	/** No root verb (questions with a copula, fragments, empty text). */
	noVerb: number;
	distinctPairs: number;
	/** The top 20 verbs (by pairs) with their top 4 nouns. */
	top: TopVerb[];
	/** Instructions whose pair is in the top 20 × 4. */
	covered: number;
	/** Verbs by pairs and nouns by pairs, the first LISTED. */
	verbs: RankedCount[];
	nouns: RankedCount[];
	/** Root verbs of every instruction that has one (with or without a noun), the first LISTED. */
	rootVerbs: RankedCount[];
}

export interface SeedSimilarityAnalysis extends ScoreSummary {
	/** Seed instructions compared against. */
	seeds: number;
	/**
	 * Instructions (among n) and seeds with no token rouge_score's tokenizer keeps (it keeps only
	 * a–z and 0–9): they score 0, even an exact copy of a seed, so the figure says how many.
	 */
	tokenlessInstructions: number;
	tokenlessSeeds: number;
	/** Analysed instructions left out as seed tasks themselves (n counts the others). */
	seedTasksLeftOut: number;
	/** Where the seeds came from, in words ("dataset seeds", "the run's seeds"). */
	source: string;
	/** The filter threshold `above` also counts (besides SIMILARITY_MARK). */
	threshold: SimilarityThreshold;
}

export interface DatasetAnalysis {
	analysisVersion: number;
	instructions: number;
	instances: number;
	verbNoun: VerbNounAnalysis;
	lengths: {
		instruction: LengthDistribution;
		/** Non-empty inputs only (as Table 1 and Figure 4). */
		input: LengthDistribution;
		output: LengthDistribution;
		/** Instances with an empty input. */
		emptyInputs: number;
	};
	/** null when no seeds were chosen. */
	seedSimilarity: SeedSimilarityAnalysis | null;
}

export interface AnalysisOptions {
	/** Extracts verb–noun pairs in this thread (not needed when every pair comes through addVerbNoun). */
	extractor: Pick<VerbNounExtractor, 'extract'>;
	/** Seed instructions for the ROUGE-L histogram, or null for none; the threshold defaults to Self-Instruct's. */
	seeds?: { instructions: Iterable<string>; source: string; threshold?: SimilarityThreshold } | null;
}

/**
 * What of a dataset's richer rows the analyses read: a conversation joins as its first user turn
 * (the instruction) and the first reply (the output); a preference pair as its prompt and one of
 * its two responses (the instance's output). Counts over the analysed tasks.
 */
export interface AnalysisCoverage {
	conversations: number;
	/** User turns after the first, in those conversations: not analysed. */
	laterUserTurns: number;
	/** Assistant turns after the first reply: not analysed. */
	laterReplies: number;
	preferencePairs: number;
	/** Outputs analysed of those pairs' tasks: one per prompt, the preferred response where the source names one. */
	pairOutputs: number;
}

export const NO_COVERAGE_NOTES: AnalysisCoverage = { conversations: 0, laterUserTurns: 0, laterReplies: 0, preferencePairs: 0, pairOutputs: 0 };

/**
 * What the instruction and output figures cover, in words, where that is less than the rows hold
 * (conversations, preference pairs); null where they cover everything.
 */
export function coverageNotes(c: AnalysisCoverage | undefined): { instruction: string | null; output: string | null } {
	if (!c) return { instruction: null, output: null };
	const notes: { instruction: string[]; output: string[] } = { instruction: [], output: [] };
	if (c.conversations) {
		notes.instruction.push(`the first user turn of ${c.conversations === 1 ? 'the 1 conversation' : `each of the ${formatNumber(c.conversations)} conversations`} (later user turns not analysed: ${formatNumber(c.laterUserTurns)})`);
		notes.output.push(`the first reply of ${c.conversations === 1 ? 'the' : 'each'} conversation (later replies not analysed: ${formatNumber(c.laterReplies)})`);
	}
	if (c.preferencePairs) {
		const responses = 2 * c.preferencePairs;
		notes.output.push(
			`${formatNumber(c.pairOutputs)} of the ${formatNumber(responses)} responses of the ${formatCount(c.preferencePairs, 'preference pair')}, one per prompt: the preferred response where the source names one (the other ${formatCount(responses - c.pairOutputs, 'response')} not analysed; Table 1 counts every response)`
		);
	}
	return { instruction: notes.instruction.length ? `Instructions: ${notes.instruction.join('; ')}` : null, output: notes.output.length ? `Outputs: ${notes.output.join('; ')}` : null };
}

/** What the histogram left out, in words: "the 175 seed tasks among the analysed rows left out". */
export function seedTasksLeftOutText(s: SeedSimilarityAnalysis): string {
	return s.seedTasksLeftOut
		? `the ${formatCount(s.seedTasksLeftOut, 'seed task')} among the analysed rows left out`
		: 'no seed tasks among the analysed rows to leave out';
}

/**
 * What the tokenizer could not read, in words, or null when every text had a token: "2 instructions
 * and 5 seeds have no ASCII letter or digit, the only characters the papers' ROUGE-L tokenizer
 * (rouge_score) keeps: they score 0, even exact copies".
 */
export function tokenlessText(s: Pick<SeedSimilarityAnalysis, 'tokenlessInstructions' | 'tokenlessSeeds'>): string | null {
	const parts = [
		s.tokenlessInstructions ? formatCount(s.tokenlessInstructions, 'instruction') : null,
		s.tokenlessSeeds ? formatCount(s.tokenlessSeeds, 'seed') : null
	].filter((p) => p !== null);
	if (!parts.length) return null;
	const one = parts.length === 1 && (s.tokenlessInstructions || s.tokenlessSeeds) === 1;
	return `${parts.join(' and ')} ${one ? 'has' : 'have'} no ASCII letter or digit, the only characters the papers' ROUGE-L tokenizer (rouge_score) keeps: ${one ? 'it scores' : 'they score'} 0, even ${one ? 'an exact copy' : 'exact copies'}`;
}

/** The scores the histogram marks with dashed lines and counts above: 0.5 and the threshold, ascending, once each. */
export function similarityRules(threshold: SimilarityThreshold): number[] {
	return [...new Set([SIMILARITY_MARK, threshold.value])].sort((a, b) => a - b);
}

/** The threshold in words: "0.5, the threshold of filter run 3", "0.9, the threshold of generation run #5" or "0.7 (Self-Instruct's threshold)". */
export function similarityThresholdText(t: SimilarityThreshold): string {
	if (t.filterRunId !== null) return `${t.value}, the threshold of filter run ${t.filterRunId}`;
	if (t.generationRunId) return `${t.value}, the threshold of generation run #${t.generationRunId}`;
	return `${t.value} (Self-Instruct's threshold)`;
}

/**
 * How "above" is counted, in words: strictly, as the filters reject (F > threshold; a score equal
 * to it is kept), while the histogram draws a score at a dashed line in the bar to its right.
 */
export const SIMILARITY_ABOVE_NOTE = '“Above” is strictly greater, as the filters reject an instruction (ROUGE-L F > threshold; one equal to it is kept); a score exactly at a dashed line is drawn in the bar to its right';

/**
 * The counts above 0.5 and above the threshold, each labelled ("above 0.7 (Self-Instruct's
 * threshold)"), with how many score exactly that ("exactly 0.5: 144").
 */
export function similarityAbove(s: SeedSimilarityAnalysis): { threshold: number; label: string; isFilterThreshold: boolean; count: number; share: number | null; exactly: number; exactlyText: string }[] {
	return s.above.map((x) => {
		const isFilterThreshold = x.threshold === s.threshold.value;
		const exactly = x.exactly ?? 0;
		return { ...x, exactly, isFilterThreshold, label: `above ${isFilterThreshold ? similarityThresholdText(s.threshold) : x.threshold}`, exactlyText: `exactly ${x.threshold}: ${formatNumber(exactly)}` };
	});
}

/** Distribution summary with the exact counts per length. */
function lengthDistribution(h: CountHistogram): LengthDistribution {
	return { ...h.summary(), counts: sparseCounts(h.countsByValue) };
}

export class AnalysisBuilder {
	private readonly extractor: Pick<VerbNounExtractor, 'extract'>;
	private readonly similarity: SeedSimilarity | null;
	private readonly seedSource: string;
	private readonly threshold: SimilarityThreshold;
	private readonly pairs = new PairCounts();
	private readonly rootVerbs = new Map<string, number>();
	private readonly instructionWords = new CountHistogram();
	private readonly inputWords = new CountHistogram();
	private readonly outputWords = new CountHistogram();
	private readonly scores = new ScoreHistogram();
	private instructions = 0;
	private instances = 0;
	private verbOnly = 0;
	private noVerb = 0;
	private emptyInputs = 0;
	private deferred = 0;
	private seedTasksLeftOut = 0;
	private tokenlessInstructions = 0;

	constructor(options: AnalysisOptions) {
		this.extractor = options.extractor;
		this.similarity = options.seeds ? new SeedSimilarity(options.seeds.instructions) : null;
		this.seedSource = options.seeds?.source ?? '';
		this.threshold = options.seeds?.threshold ?? SELF_INSTRUCT_SIMILARITY_THRESHOLD;
	}

	/**
	 * One instruction (a task). `words` is its length as Table 1 counts it; `isSeed` leaves a
	 * seed instruction out of its own similarity histogram. `verbNoun: 'deferred'` leaves its
	 * verb–noun pair to a later `addVerbNoun` (extracted elsewhere, e.g. in a worker thread).
	 */
	addInstruction(instruction: string, words: number, options: { isSeed?: boolean; verbNoun?: 'deferred' } = {}): void {
		this.instructions++;
		this.instructionWords.add(words);
		if (options.verbNoun === 'deferred') this.deferred++;
		else this.countVerbNoun(this.extractor.extract(instruction));
		if (this.similarity && options.isSeed) this.seedTasksLeftOut++;
		else if (this.similarity) {
			const score = this.similarity.score(instruction);
			if (score === null) this.tokenlessInstructions++;
			// Kept in the histogram at 0, as the papers' tokenizer scores it; the count says why.
			this.scores.add(score ?? 0);
		}
	}

	/** The verb–noun pair of an instruction added with `verbNoun: 'deferred'` (in any order). */
	addVerbNoun(verbNoun: VerbNoun): void {
		if (this.deferred === 0) throw new Error('addVerbNoun without a deferred instruction');
		this.deferred--;
		this.countVerbNoun(verbNoun);
	}

	private countVerbNoun({ verb, noun }: VerbNoun): void {
		if (verb === null) this.noVerb++;
		else {
			this.rootVerbs.set(verb, (this.rootVerbs.get(verb) ?? 0) + 1);
			if (noun === null) this.verbOnly++;
			else this.pairs.add(verb, noun);
		}
	}

	/** One instance of the last instruction: input and output lengths in words. */
	addInstance(inputWords: number, outputWords: number): void {
		this.instances++;
		if (inputWords > 0) this.inputWords.add(inputWords);
		else this.emptyInputs++;
		this.outputWords.add(outputWords);
	}

	finish(): DatasetAnalysis {
		if (this.deferred !== 0) throw new Error(`${this.deferred} instructions still wait for their verb–noun pair`);
		const top = this.pairs.top(TOP_VERBS, TOP_NOUNS);
		const rootVerbs = [...this.rootVerbs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, LISTED);
		return {
			analysisVersion: ANALYSIS_VERSION,
			instructions: this.instructions,
			instances: this.instances,
			verbNoun: {
				instructions: this.instructions,
				withPair: this.pairs.total,
				verbOnly: this.verbOnly,
				noVerb: this.noVerb,
				distinctPairs: this.pairs.distinctPairs,
				top: top.verbs,
				covered: top.covered,
				verbs: this.pairs.verbs(LISTED),
				nouns: this.pairs.nouns(LISTED),
				rootVerbs: rootVerbs.map(([key, count]) => ({ key, count }))
			},
			lengths: {
				instruction: lengthDistribution(this.instructionWords),
				input: lengthDistribution(this.inputWords),
				output: lengthDistribution(this.outputWords),
				emptyInputs: this.emptyInputs
			},
			seedSimilarity: this.similarity
				? { ...this.scores.summary(similarityRules(this.threshold)), threshold: this.threshold,
					seeds: this.similarity.seeds,
					tokenlessInstructions: this.tokenlessInstructions,
					tokenlessSeeds: this.similarity.tokenlessSeeds,
					seedTasksLeftOut: this.seedTasksLeftOut, source: this.seedSource }
				: null
		};
	}
}
