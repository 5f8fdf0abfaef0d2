/**
 * A methods paragraph for a paper, generated from the audit's settings and its report: the
 * population and its size, the sampling, the reviewers and their overlap, guidelines, gold items
 * and qualification, the estimator and interval method, agreement and adjudication — with the
 * references of the methods that were used. A starting point the researcher edits, never a
 * claim beyond what the app recorded.
 */
import { coefficient, estimatorInText, headlineText, interval, listText, percent, pValue, QUESTION_NAMES, stratumShiftText } from './format';
import { intervalMethod, levelText } from './paper-tables';
import type { AuditReport, RemovedReviewer } from './report';
import { describeImport, type AuditKind, type EstimatorKey } from './types';
import { asClause, formatCount } from '../text/words';
import { goldExcludedSentence, singleClassificationStratum, type SamplingFrame } from '../audits/sampling';
import { POSITION_BIAS_ALPHA, type ConversationReport, type PairwiseReport } from './shapes';
import type { AgreementRow } from './agreement';
import type { RateKey } from './estimators';
import type { RateRow } from './quality';
import { isUnnamedPairModel } from '../datasets/response-models';
import { judgeAddsNothingText } from '../judge/wording';

/** What the report does not hold: the audit's sampling settings and the population. */
export interface MethodsFacts {
	/**
	 * The sampling frame recorded when the sample was drawn; null for an audit drawn before it was
	 * recorded (the dataset's size now is not its frame, so none is given).
	 */
	frame: SamplingFrame | null;
	instanceMode: 'one' | 'all';
	stratify: string;
	/** Rows the automatic filters rejected were sampled too. */
	includeRejected: boolean;
	/** Rating audits: model names hidden and responses shuffled per reviewer. */
	blind: boolean;
	/** Words of the written guidelines (0: none). */
	guidelineWords: number;
	/**
	 * The guidelines' versions, oldest first, each with its words and the labels given under it as
	 * they stand (in force when the label was last changed), of which `changedFromEarlier` were first
	 * given under an earlier version; `labelsBefore`: labels given before the oldest version on record
	 * (an earlier text that was not kept). Absent or null: not known (the guidelines on record throughout).
	 */
	guidelinesHistory?: { versions: Array<{ version: number; words: number; labels: number; changedFromEarlier?: number }>; labelsBefore: number } | null;
	/** Share of each reviewer's items that are gold. */
	goldRate: number;
	/**
	 * A verdict-stratified audit over several strata: each stratum's rows and audited items, and the
	 * "all fields valid" rate weighted by the strata's sizes (as the export and the card give it);
	 * null or absent otherwise.
	 */
	verdictWeighted?: VerdictWeightedFacts | null;
	/** Where a model judge and prediction-powered inference were used for the estimate (report --judge). */
	judge?: MethodsJudge | null;
}

/** The stratum-weighted "all fields valid" rate of a verdict-stratified audit (the export's stratifiedBounds figure). */
export interface VerdictWeightedFacts {
	/** Each stratum's rows: counted, or (rows moved between strata since the draw) the strata as drawn with rows estimated (see StratumRows.estimatedFrom). */
	strata: { stratum: string; label: string; rows: number; items: number; estimatedFrom?: { stratumRows: number; drawn: number; inGroup: number } }[];
	rate: number | null;
	low: number;
	high: number;
	lower: number;
	upper: number;
}

/** A calibrated judge run beside the audit: who judged, and the prediction-powered estimate. */
export interface MethodsJudge {
	model: string;
	runId: number;
	/** Audited items the judge labelled. */
	judgedItems: number;
	/** The PPI estimate, or null with `note` saying why there is none. */
	estimate: {
		method: 'ppi' | 'ppi++';
		design: 'rows' | 'one-row-per-task';
		estimate: number | null;
		lower: number;
		upper: number;
		confidence: number;
		lambda: number;
		populationRows: number;
		auditedRows: number;
		effectiveSampleSize: number | null;
		/** Why the judge could not help (the figure is then the human-only one); false or null when it did. */
		fallback: boolean | JudgeFallback | null;
		/**
		 * With tied audited items: the headline range, those items counted as "no" (low) and as "yes"
		 * (high), as the report and the card give it; `estimate` is then the secondary figure with them left out.
		 */
		tieRange?: { tiedItems: number; low: number; high: number; lower: number; upper: number; fallback?: JudgeFallback | null } | null;
	} | null;
	/** Rows of the estimate's population without a readable judge verdict: counted as "no" (not all valid). */
	unreadableRows?: number;
	note: string | null;
}

type JudgeFallback = 'judge-constant' | 'judge-uninformative' | 'fully-audited';

export const REFERENCES = {
	selfInstruct:
		'Wang, Y., Kordi, Y., Mishra, S., Liu, A., Smith, N. A., Khashabi, D., & Hajishirzi, H. (2023). Self-Instruct: Aligning language models with self-generated instructions. In Proceedings of ACL 2023, 13484–13508.',
	unnatural:
		'Honovich, O., Scialom, T., Levy, O., & Schick, T. (2023). Unnatural Instructions: Tuning language models with (almost) no human labor. In Proceedings of ACL 2023, 14409–14428.',
	wilson: 'Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. Journal of the American Statistical Association, 22(158), 209–212.',
	kornGraubard:
		'Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for proportions with small expected number of positive counts estimated from survey data. Survey Methodology, 24(2), 193–201.',
	dawidSkene:
		'Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM algorithm. Journal of the Royal Statistical Society, Series C (Applied Statistics), 28(1), 20–28.',
	efron: 'Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.',
	cohen: 'Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement, 20(1), 37–46.',
	fleiss: 'Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5), 378–382.',
	gwet: 'Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.',
	krippendorff: 'Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology (2nd ed.). Sage.',
	wilcoxon: 'Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin, 1(6), 80–83.',
	holm: 'Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics, 6(2), 65–70.',
	ppi: 'Angelopoulos, A. N., Bates, S., Fannjiang, C., Jordan, M. I., & Zrnic, T. (2023). Prediction-powered inference. Science, 382(6671), 669–674.',
	ppiPlusPlus: 'Angelopoulos, A. N., Duchi, J. C., & Zrnic, T. (2023). PPI++: Efficient prediction-powered inference. arXiv:2311.01453.'
} as const;

type RefKey = keyof typeof REFERENCES;

const ESTIMATOR_NAMES: Record<EstimatorKey, string> = { majority: 'item majority, ties as bounds', label: 'label level', latent: 'latent truth, Dawid–Skene' };

/** In-text citations, keyed like REFERENCES. */
const CITE: Record<RefKey, string> = {
	selfInstruct: 'Wang et al., 2023',
	unnatural: 'Honovich et al., 2023',
	wilson: 'Wilson, 1927',
	kornGraubard: 'Korn and Graubard, 1998',
	dawidSkene: 'Dawid and Skene, 1979',
	efron: 'Efron and Tibshirani, 1993',
	cohen: 'Cohen, 1960',
	fleiss: 'Fleiss, 1971',
	gwet: 'Gwet, 2014',
	krippendorff: 'Krippendorff, 2004',
	wilcoxon: 'Wilcoxon, 1945',
	holm: 'Holm, 1979',
	// Two 2023 papers led by Angelopoulos with different co-authors: named until they differ (APA 7 §8.18), as the reference list gives them.
	ppi: 'Angelopoulos, Bates, et al., 2023',
	ppiPlusPlus: 'Angelopoulos, Duchi, and Zrnic, 2023'
};

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** "three" up to ten, digits above; "1,234" with separators. */
function words(n: number): string {
	return n <= 10 ? NUMBER_WORDS[n] : String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${pValue(p)}`);

function num(n: number): string {
	return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
/** How many items have all k labels, while labelling goes on: "none yet with both labels", "3 with all three". */
function completeText(complete: number, k: number): string {
	const all = k === 2 ? 'both' : `all ${words(k)}`;
	return complete === 0 ? `none yet with ${all} labels` : `${num(complete)} with ${all}`;
}

function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface MethodsText {
	/** The paragraph, with (Author, year) citations. */
	paragraph: string;
	/** Full references of every method cited, in order of first citation. */
	references: string[];
}

/** The methods paragraph of an audit, and its references. */
export function methodsParagraph(report: AuditReport, facts: MethodsFacts): MethodsText {
	const cited: RefKey[] = [];
	const cite = (...keys: RefKey[]) => {
		for (const k of keys) if (!cited.includes(k)) cited.push(k);
		return `(${keys.map((k) => CITE[k]).join('; ')})`;
	};
	/** The citation without its parentheses, to end a parenthesis already open. */
	const citeIn = (key: RefKey) => cite(key).slice(1, -1);
	const a = report.audit;
	const level = levelText(report.confidence);
	const s: string[] = [];

	// Population and sampling.
	s.push(populationSentence(a.kind, a.datasetName, facts));
	s.push(samplingSentence(a.kind, a.itemCount, a.seed, facts, cite));

	// What reviewers did.
	const reviewers = report.progress.reviewers;
	const k = a.overlap;
	const overlap = k === 1 ? 'each item was labelled by one reviewer' : `each item was to be labelled by ${words(k)} reviewers independently`;
	// Reviewers who took part but did not qualify labelled no counted sampled item: said apart.
	const unqualified = report.qualification?.reviewers.filter((r) => r.state === 'failed').length ?? 0;
	const alsoTookPart = unqualified ? ` (${words(unqualified)} more took part but did not qualify, so none of their labels on sampled items counted)` : '';
	s.push(
		`${capitalise(words(reviewers))} reviewer${reviewers === 1 ? '' : 's'} labelled the sample${alsoTookPart}; ${overlap} (${formatCount(report.progress.labels, 'label')} on ${num(report.progress.labelledItems)} of the ${num(report.progress.items)} items${report.progress.completeItems < report.progress.labelledItems ? `, ${completeText(report.progress.completeItems, k)}` : ''})${a.routing === 'depth' ? ', and each item was filled to its full set of labels before new items were started' : ''}.`
	);
	const setAside = removedReviewersText(report.removedReviewers ?? []);
	if (setAside) s.push(setAside);
	if (a.kind === 'quality') {
		s.push(
			`For each instance, reviewers answered Self-Instruct's three questions ${cite('selfInstruct')} — whether the instruction describes a valid task, whether the input is appropriate for the instruction, and whether the output is a correct and acceptable response — and gave the reason for a "no" from Unnatural Instructions' error categories (incomprehensible instruction, input not matching the task, incorrect output, or other; ${citeIn('unnatural')}).`
		);
	} else if (a.kind === 'pairwise') {
		s.push(
			`Reviewers saw two responses to the same prompt, labelled A and B, and chose the better one, "about the same", or "both bad"; ${a.overlap > 1 ? 'every reviewer\'s choice counts as one comparison' : 'each choice is one comparison'}, "both bad" counts as no comparison, and ${report.pairwise?.records.length && report.pairwise.records.every((r) => isUnnamedPairModel(r.first) && isUnnamedPairModel(r.second)) ? 'the pairs\' first and second responses (the source names no models)' : 'models'} are compared by their win, tie and loss counts, with Wilson score intervals on the win rates ${cite('wilson')}${a.overlap > 1 ? ` at the effective sample size given by the variance clustered by item ${cite('kornGraubard')} (an item's several choices are not independent comparisons)` : ''}, and by a Bradley–Terry fit with ties as half wins${a.overlap > 1 ? ', whose intervals use the cluster-robust (sandwich) variance clustered by item' : ''}.`
		);
	} else if (a.kind === 'conversation') {
		const scale = `Self-Instruct's four-level scale ${cite('selfInstruct')} (A: valid and satisfying; B: acceptable with minor errors; C: relevant but with significant errors; D: irrelevant or invalid)`;
		s.push(
			report.conversation?.unit === 'conversation'
				? `Reviewers judged each conversation as a whole: whether every assistant reply is a correct and acceptable response to what came before, and a rating on ${scale}.`
				: `Reviewers judged each assistant reply in turn: whether it is a correct and acceptable response to the conversation so far, and a rating on ${scale}; a conversation counts as correct when every reply in it was judged valid.`
		);
	} else {
		s.push(
			`Reviewers rated each model's response on Self-Instruct's four-level scale ${cite('selfInstruct')} (A: valid and satisfying; B: acceptable with minor errors; C: relevant but with significant errors; D: irrelevant or invalid)${facts.blind ? ', with the model names hidden and the responses shown in a random order for each reviewer' : ''}.`
		);
	}
	if (a.kind === 'quality' && a.suggestions) {
		const sug = a.suggestions;
		s.push(
			`Reviewers saw a model judge's answers (${sug.model}, judge run ${sug.runId}) pre-filled on the review screen as labelled suggestions, with its one-sentence reasons, and could change them before submitting; their labels may therefore be anchored toward the judge's verdicts, and agreement with that judge overstated.`
		);
	}
	s.push(guidelinesSentence(facts, a.kind));

	// Gold items and qualification.
	if (a.goldCount > 0 || report.qualification) {
		const gold = a.goldCount > 0 ? `${num(a.goldCount)} gold item${a.goldCount === 1 ? ' with a known answer was' : 's with known answers were'} mixed in${goldShareSeen(report, facts.goldRate)} and ${a.goldCount === 1 ? 'is' : 'are'} not counted in the rates` : '';
		const q = report.qualification;
		const qualification = q
			? `each reviewer's first ${words(q.items)} items were gold, and their labels counted only once their accuracy on them reached ${percent(q.accuracy, 0)} (${words(q.reviewers.filter((r) => r.state === 'qualified').length)} of ${words(q.reviewers.length)} reviewers qualified${q.excludedLabels ? `; ${num(q.excludedLabels)} labels were not counted` : ''})`
			: '';
		s.push(capitalise([gold, qualification].filter(Boolean).join('; ')) + '.');
	}

	// Estimator, interval and the headline result.
	if (report.quality && new Set(report.quality.groups[0].rates.map((r) => r.headline.estimator)).size > 1) {
		s.push(...mixedEstimatorSentences(report.quality.groups[0].rates, k, level, cite));
	} else if (report.quality) {
		const rates = report.quality.groups[0].rates;
		const allValid = rates.find((r) => r.key === 'allValid')!;
		const estimator = allValid.headline.estimator;
		s.push(estimatorSentence(estimator, k, level, allValid.latent.replicates || 200, cite));
		s.push(...fallbackSentences(rates));
		if (allValid.headline.caveat) s.push(`(The latent-class model is not identified by these data, and its estimate depends on where the fit starts: ${asClause(allValid.headline.caveat).replace(/\.$/, '')}.)`);
		const pieces = rates
			.filter((r) => r.key !== 'allValid')
			.map((r) => `${r.key === 'instruction' ? 'the instruction' : r.key === 'input' ? 'the input' : 'the output'} for ${headlineText(r.headline)}`);
		// n is what the estimator averages over: tied items have no final label but count in all three.
		const over =
			estimator === 'majority'
				? `items with a final label or a tie (${ESTIMATOR_NAMES[estimator]})`
				: estimator === 'latent'
					? `labelled items (${ESTIMATOR_NAMES[estimator]}: each item's posterior probability, tied items included)`
					: `labelled items (${ESTIMATOR_NAMES[estimator]})`;
		if (estimator === 'label') {
			// A share of answers, not of items: say so, with both counts.
			const answers = pieces.map((p) => p.replace(' for ', ' in '));
			s.push(`All three fields were judged valid in ${headlineText(allValid.headline)} of the ${num(allValid.label.labels)} labels given to the n = ${num(allValid.headline.n)} items (${ESTIMATOR_NAMES[estimator]}: a share of reviewers' answers, not of items); reviewers accepted ${answers.join(', ')} of their labels.`);
		} else {
			const others = estimator === 'latent' ? `by the same model, ${pieces.join(', ').replace(' for ', ' was valid for ')}` : `reviewers accepted ${pieces.join(', ')}`;
			const w = allValid.headline.weighted ? allValid.weighted : null;
			if (w) {
				// The report's headlines weight each verdict stratum by its rows, as the export and card do.
				const rows = w.strata.reduce((n, h) => n + h.rows, 0);
				// Rows of the frame in a stratum the sample drew nothing from: no stratum's rate covers them.
				const undrawn = facts.stratify === 'verdict' && facts.frame ? Math.round(facts.frame.units - rows) : 0;
				s.push(
					`Weighting each verdict stratum's item majority by its share of the ${num(rows)} rows${undrawn > 0 ? ' in the strata the sample drew from' : ''} (with a ${level} Wilson interval at the effective sample size), all three fields were judged valid for ${headlineText(allValid.headline)} of the population (n = ${num(allValid.headline.n)} items); ` +
						`weighted likewise, reviewers accepted ${pieces.join(', ')}.`
				);
				if (undrawn > 0) s.push(`The other ${num(undrawn)} of the ${num(facts.frame!.units)} rows ${undrawn === 1 ? 'belongs' : 'belong'} to no stratum the sample drew from and ${undrawn === 1 ? 'is' : 'are'} outside the estimate.`);
				if (report.audit.stratumShift) s.push(stratumShiftText(report.audit.stratumShift));
			} else s.push(`All three fields were judged valid for ${headlineText(allValid.headline)} of the n = ${num(allValid.headline.n)} ${over}; ${others}.`);
		}
	} else if (report.rating) {
		s.push(
			k > 1
				? `Each rated response counts once in its model's shares, shared evenly among its reviewers' A–D ratings (a response rated A by one reviewer and B by another counts half A, half B; a researcher's adjudicated rating counts alone), so no response is left out because its reviewers disagree; per model we report the share of each rating and the share rated A or B (the two together), each with a ${level} Wilson interval ${cite('wilson')} at the effective sample size given by the variance clustered by response ${cite('kornGraubard')}.`
				: `Per model we report the share of responses given each rating, a researcher's adjudicated rating where there is one, and the share rated A or B, each with a ${level} Wilson score interval ${cite('wilson')}.`
		);
		// The results themselves, so the paragraph can stand alone in a paper.
		const rated = report.rating.models.filter((m) => m.aOrB.trials > 0);
		if (rated.length)
			s.push(
				`Rated A or B: ${rated
					.map((m) => `${m.model} ${percent(m.aOrB.proportion)} ${interval(m.aOrB.lower, m.aOrB.upper)} (n = ${num(m.n)} responses${m.disagreements ? `, ${num(m.disagreements)} with reviewers who differ` : ''})`)
					.join('; ')}.`
			);
		if (report.rating.comparisons.length) {
			s.push(
				`Models were compared on the same tasks, each response scored by the mean of its reviewers' ratings (A = 4 to D = 1), with the two-sided Wilcoxon signed-rank test ${cite('wilcoxon')} (mid-ranks for tied differences, zero differences dropped) and the exact sign test: ${report.rating.comparisons
					.map((c) => `${c.first} was rated better than ${c.second} on ${num(c.firstBetter)} of ${num(c.pairs)} tasks, worse on ${num(c.secondBetter)} and the same on ${num(c.same)} (Wilcoxon ${pText(c.wilcoxon.pValue)}${c.family > 1 ? `, Holm-adjusted ${pText(c.wilcoxon.holmPValue)}` : ''}, sign test ${pText(c.sign.pValue)}${c.family > 1 ? `, Holm-adjusted ${pText(c.sign.holmPValue)}` : ''})`)
					.join('; ')}.`
			);
			const family = report.rating.comparisons[0].family;
			if (family > 1)
				s.push(
					`The ${words(family)} comparisons are read together, so beside each unadjusted p-value we give it adjusted by Holm's step-down method over the ${words(family)} ${cite('holm')}, which keeps the chance of any false difference at the nominal level.`
				);
			const leftOut = report.rating.comparisons.filter((c) => c.notRatedByBoth > 0);
			if (leftOut.length)
				s.push(
					`Tasks left out of a comparison because a response of one of the two models is not rated yet: ${leftOut.map((c) => `${num(c.notRatedByBoth)} of ${num(c.tasks)} for ${c.first} vs ${c.second}`).join('; ')}.`
				);
			else s.push(`Every task showing both models was compared.`);
		}
	}

	if (report.pairwise) {
		s.push(pairwiseResults(report.pairwise, k));
		const sides = report.pairwise.positionBias;
		const flagged = sides.filter((b) => b.flagged);
		if (report.pairwise.positionUntested)
			s.push(
				`The audit was not blind: every reviewer saw each pair's two responses in the same fixed order, so position bias could not be told apart from preference for the model shown first and was not tested.`
			);
		else if (sides.length) {
			s.push(
				flagged.length
					? `Each reviewer saw the two responses in a shuffled order; ${flagged.length === 1 ? 'one reviewer' : `${words(flagged.length)} of the ${words(sides.length)} reviewers`} chose the response shown first far from half the time (${flagged.map((b) => `${num(b.choseFirst)} of ${num(b.decided)}`).join(', ')}; two-sided binomial p < ${POSITION_BIAS_ALPHA}), a sign of position bias.`
					: `Each reviewer saw the two responses in a shuffled order; no reviewer's share of choices for the response shown first differed from half at p < ${POSITION_BIAS_ALPHA} (two-sided binomial test).`
			);
		}
	}
	if (report.conversation) s.push(conversationResults(report.conversation, k, level, cite));

	// Agreement.
	const agreement = report.quality?.agreement ?? report.rating?.agreement ?? null;
	if (report.pairwise && k > 1) {
		const g = report.pairwise.agreement;
		s.push(
			g.pairs
				? `Reviewers agreed on ${percent(g.rate)} of the pairs of choices made on the same item (${num(g.agreeing)} of ${num(g.pairs)}, over the ${num(g.items)} items chosen on at least twice).`
				: 'No item has been chosen on twice yet, so agreement between reviewers is not measured.'
		);
	} else if (report.conversation && k > 1) {
		s.push(conversationAgreement(report.conversation.agreement ?? null, report.conversation.unit, cite));
		const replies = report.conversation.replyAgreement;
		if (replies?.percent.items) {
			const kappa = replies.kappa.value === null ? '' : `, ${kappaText(replies, 'replies', cite)}`;
			s.push(`Reply by reply (whether each reply is valid), agreement was ${percent(replies.percent.value)} (n = ${num(replies.percent.items)} replies judged at least twice)${kappa}.`);
		}
	} else if (agreement) {
		const row = agreement.find((r) => r.key === (report.quality ? 'allValid' : 'all models')) ?? agreement[0];
		const what = report.quality ? 'whether all fields are valid' : 'the A–D ratings';
		const agreed = `Agreement between reviewers on ${what} was ${percent(row.percent.value)} (mean share of agreeing pairs; n = ${num(row.percent.items)} ${report.quality ? 'items' : 'responses'} labelled at least twice)`;
		s.push(
			row.kappa.value === null && row.alpha.value === null
				? `${agreed}; κ and α are undefined: ${row.percent.items ? 'every label was the same' : 'no item was labelled twice'}.`
				: `${agreed}, ${kappaText(row, report.quality ? 'items' : 'responses', cite)}, and Krippendorff's α = ${coefficient(row.alpha.value)} (${row.alpha.level}) ${cite('krippendorff')}.`
		);
	} else if (k === 1) {
		s.push('With one reviewer per item, agreement between reviewers was not measured.');
	}

	// Adjudication and ties.
	const b = report.basis;
	// Pairwise and conversation items are never adjudicated (their figures count every answer): nothing to say of it.
	const settles = a.kind === 'quality' || a.kind === 'rating';
	const adjudicated = !settles ? '' : b.adjudicated > 0 ? `A researcher adjudicated ${num(b.adjudicated)} item${b.adjudicated === 1 ? '' : 's'}, whose final label replaced the reviewers'` : k > 1 ? 'No item was adjudicated' : '';
	const headline = report.quality?.groups[0].rates.find((r) => r.key === 'allValid')?.headline.estimator;
	const weighed = headline === 'latent' ? " (the latent-class estimate weighs them by the reviewers' estimated error rates)" : '';
	const ties =
		b.tied === 0 || !settles
			? ''
			: report.audit.kind === 'rating'
				? `${num(b.tied)} item${b.tied === 1 ? '' : 's'} with a tied rating ${b.tied === 1 ? 'remains' : 'remain'}, ${b.tied === 1 ? 'its' : 'their'} tied responses shared evenly among the tied letters in the A–D shares`
				: `${num(b.tied)} item${b.tied === 1 ? '' : 's'} with tied reviewers ${b.tied === 1 ? 'remains' : 'remain'} and ${b.tied === 1 ? 'is' : 'are'} counted both ways in the majority bounds${weighed}`;
	if (adjudicated || ties) s.push(capitalise([adjudicated, ties].filter(Boolean).join('; ')) + '.');

	// A model judge with prediction-powered inference, where used.
	if (facts.judge) s.push(judgeSentences(facts.judge, cite));

	// The labels were not made here: whoever reads the figures should know where they came from.
	if (a.imported) s.push(describeImport(a.imported));

	return { paragraph: s.join(' '), references: cited.map((key) => REFERENCES[key]) };
}

/** The sampling frame as the audit recorded it when drawn, or the dataset's name alone for an audit drawn before it was. */
function populationSentence(kind: AuditKind, datasetName: string, facts: MethodsFacts): string {
	const f = facts.frame;
	// Only what was true when the sample was drawn: rows rejected were left out only if a filter had judged any.
	const filters = facts.includeRejected
		? f === null || f.filtered
			? 'including the rows the automatic filters rejected'
			: ''
		: f?.filtered
			? 'rows rejected by the automatic filters were left out'
			: '';
	if (f === null) return `We audited the dataset "${datasetName}"${filters ? ` (${filters})` : ''}.`;
	const frame =
		kind === 'pairwise'
			? `${num(f.choices)} preference pairs on ${num(f.units)} prompts`
			: kind === 'conversation'
				? `${num(f.choices)} conversations with an assistant reply`
				: kind === 'rating'
					? `${num(f.units)} instructions (${num(f.choices)} instances) with responses from the rated models`
					: facts.stratify === 'verdict'
						? `${num(f.units)} rows the automatic filters had judged`
						: `${num(f.units)} instructions with ${num(f.choices)} instances`;
	// Gold items are never also sampled: the frame's sizes are what was left after them.
	const gold = goldExcludedSentence(kind, f);
	return `We audited the dataset "${datasetName}" (${frame} when the sample was drawn${gold ? `; ${gold}` : ''}${filters ? `; ${filters}` : ''}).`;
}

function samplingSentence(kind: AuditKind, items: number, seed: number, facts: MethodsFacts, cite: (...keys: RefKey[]) => string): string {
	// Stratifying by classification where every instruction fell in one stratum stratified nothing: said so, not "stratified".
	const oneStratum = singleClassificationStratum(facts.stratify, facts.frame);
	const drawn = drawnSentence(kind, items, seed, { ...facts, stratify: oneStratum ? 'none' : facts.stratify }, cite);
	return oneStratum ? `${drawn} Stratifying by classification was asked for, but every instruction was in the one stratum "${oneStratum}", so the sample is unstratified.` : drawn;
}

function drawnSentence(kind: AuditKind, items: number, seed: number, facts: MethodsFacts, cite: (...keys: RefKey[]) => string): string {
	const w = facts.verdictWeighted;
	if (kind === 'quality' && w) {
		// Not a simple random sample: each verdict stratum drawn at its own rate, so the estimate weights them back.
		const per = w.strata.map((h) => `${num(h.items)} from the stratum "${h.label}" (${num(h.rows)} rows)`);
		return `We drew a stratified random sample of ${num(items)} instructions by the automatic filters' verdict (seed ${seed}): ${listText(per)}, weighted by the strata's sizes in the estimate.`;
	}
	const stratified = facts.stratify && facts.stratify !== 'none' ? `, stratified by ${facts.stratify}` : '';
	if (kind === 'pairwise' || kind === 'conversation') {
		const what = kind === 'pairwise' ? 'preference pairs' : 'conversations';
		const per = kind === 'pairwise' ? 'prompt' : 'opening prompt';
		return facts.instanceMode === 'one'
			? `We drew a simple random sample of ${num(items)} ${what}${stratified} (seed ${seed}), at most one per ${per}.`
			: `We drew a simple random sample of ${per}s${stratified} (seed ${seed}) and took all their ${what}: ${num(items)} in all.`;
	}
	if (kind === 'rating') {
		// What is rated is the models' responses, not the instances: the instance only fixes the task they answered.
		const tasks = facts.instanceMode === 'one' ? 'one randomly chosen instance of each' : 'every instance of each';
		return `We drew a simple random sample of ${num(items)} instructions${stratified} (seed ${seed}) and took ${tasks}, with every rated model's response to it.`;
	}
	const instances = facts.instanceMode === 'one' ? `one randomly chosen instance per instruction, as in Self-Instruct's audit ${cite('selfInstruct')}` : 'every instance of each sampled instruction';
	return `We drew a simple random sample of ${num(items)} instructions${stratified} (seed ${seed}), with ${instances}.`;
}

/** Reviewers taken off the audit whose labels were set aside: those labels are in no figure, and a reader should know they existed. */
function removedReviewersText(removed: readonly RemovedReviewer[]): string {
	const setAside = removed.filter((r) => r.setAsideLabels > 0);
	if (!setAside.length) return '';
	const labels = setAside.reduce((n, r) => n + r.setAsideLabels, 0);
	const who = setAside.length === 1 ? 'One further reviewer was' : `${capitalise(words(setAside.length))} further reviewers were`;
	return `${who} removed from the audit, and ${setAside.length === 1 ? 'their' : 'the'} ${num(labels)} label${labels === 1 ? ' was' : 's were'} set aside and not counted.`;
}

/**
 * The share of gold among the labels reviewers gave, not the audit's gold rate: routing gives
 * gold by that rate only approximately (and a reviewer with few items may get far more), so the
 * setting is named only while no gold item has been labelled.
 */
function goldShareSeen(report: AuditReport, goldRate: number): string {
	const { labels, goldLabels } = report.progress;
	if (goldLabels === 0) return goldRate > 0 ? ` (set to about ${percent(goldRate, 0)} of each reviewer's items; none labelled yet)` : '';
	const total = labels + goldLabels;
	const shares = report.reviewers.filter((r) => r.items + r.goldItems > 0).map((r) => r.goldItems / (r.items + r.goldItems));
	const low = percent(Math.min(...shares), 0);
	const high = percent(Math.max(...shares), 0);
	const each = shares.length < 2 ? '' : low === high ? `; ${low} of each reviewer's labels` : `; from ${low} to ${high} of a reviewer's labels`;
	return ` (gold made up ${num(goldLabels)} of the ${num(total)} labels, ${percent(goldLabels / total, 0)}${each})`;
}

/**
 * The guidelines as reviewers had them: the version on record is not the one they read if it was
 * saved after labelling began; a change during labelling is said with the labels given under each version.
 */
function guidelinesSentence(facts: MethodsFacts, kind: AuditKind): string {
	// A label changed after a rewrite is an answer given under the new text: it is counted there, and said.
	const changed = (facts.guidelinesHistory?.versions ?? []).filter((v) => (v.changedFromEarlier ?? 0) > 0);
	const changes = changed.map((v) => {
		const n = v.changedFromEarlier!;
		return `${num(n)} ${n === 1 ? 'label' : 'labels'} first given under an earlier version ${n === 1 ? 'was' : 'were'} changed after version ${num(v.version)} was saved`;
	});
	const main = guidelinesVersionsSentence(facts, kind);
	return changes.length ? `${main} Labels are counted under the version in force when they were last changed: ${listText(changes)}.` : main;
}

function guidelinesVersionsSentence(facts: MethodsFacts, kind: AuditKind): string {
	const words = facts.guidelineWords;
	// A rating audit asks no questions: what reviewers had was the scale's four descriptions.
	const only = kind === 'rating' ? "the rating scale's four descriptions" : 'the questions themselves';
	const plain = words > 0 ? `They worked from written guidelines of about ${num(words)} words.` : `They had no written guidelines beyond ${only}.`;
	const h = facts.guidelinesHistory;
	if (!h || h.versions.length === 0) return plain;
	const last = h.versions[h.versions.length - 1];
	const earlier = h.versions.slice(0, -1).filter((v) => v.labels > 0);
	const total = h.labelsBefore + h.versions.reduce((n, v) => n + v.labels, 0);
	if (h.labelsBefore === 0 && earlier.length === 0) return plain;
	const sized = (w: number) => (w > 0 ? `about ${num(w)} words` : 'no text');
	const groups = [
		...(h.labelsBefore ? [`${num(h.labelsBefore)} under an earlier text that was not kept`] : []),
		...earlier.map((v) => `${num(v.labels)} under version ${num(v.version)} (${sized(v.words)})`),
		...(last.labels ? [`${num(last.labels)} under the version on record (version ${num(last.version)}, ${sized(words)})`] : [])
	];
	const ended = `after labelling ended (all ${num(total)} labels were in)`;
	if (groups.length === 1) {
		// Every label under one version, and the one on record saved after them all.
		const read = earlier.length ? ` of about ${num(earlier[0].words)} words` : '';
		return words === 0
			? `They worked from written guidelines${read}, which were removed ${ended}.`
			: `They worked from written guidelines${read}; the version on record (about ${num(words)} words) was written ${ended}, so it is not the one they read.`;
	}
	const after = last.labels ? '' : words === 0 ? `; they were removed ${ended}` : `; the version on record (version ${num(last.version)}, about ${num(words)} words) was saved ${ended}`;
	return `The written guidelines changed while labels were being given: of the ${num(total)} labels, ${listText(groups)}${after}.`;
}

function pairwiseResults(p: PairwiseReport, k: number): string {
	if (!p.comparisons) return p.bothBad ? `Every choice so far was "both bad" (${num(p.bothBad)}), so no model pair has a comparison yet.` : 'No choice has been made yet.';
	// Pairs imported without model names carry stand-ins (completion_a, completion_b): the first response against the second, not models.
	const unnamed = p.records.every((r) => isUnnamedPairModel(r.first) && isUnnamedPairModel(r.second));
	// A name never starts the sentence: identifiers keep their case.
	const pairs = p.records.map(
		(r) =>
			`${r.first} against ${r.second}, ${num(r.wins)} win${r.wins === 1 ? '' : 's'}, ${num(r.ties)} tie${r.ties === 1 ? '' : 's'} and ${num(r.losses)} loss${r.losses === 1 ? '' : 'es'} in ${num(r.comparisons)} comparison${r.comparisons === 1 ? '' : 's'}, a win rate of ${percent(r.winRate.proportion)} ${interval(r.winRate.lower, r.winRate.upper)}${k > 1 ? ' (interval clustered by item)' : ''}`
	);
	const lead = unnamed ? 'The pairs carry no model names, so their two sides are compared under the stand-in names the import gave them: ' : 'By model pair: ';
	return `${lead}${pairs.join('; ')}${p.bothBad ? `; ${num(p.bothBad)} choice${p.bothBad === 1 ? ' was' : 's were'} "both bad"` : ''}.`;
}

function conversationResults(c: ConversationReport, k: number, level: string, cite: (...keys: RefKey[]) => string): string {
	const r = c.conversations;
	const m = r.majority;
	if (!r.items) return 'No conversation has been judged yet.';
	const what = c.unit === 'conversation' ? 'were judged correct as a whole' : 'had every reply judged valid';
	if (k === 1 || m.tied === 0) {
		const figure = `${num(m.yes)} of the ${num(r.items)} conversations ${what}: ${percent(m.lower.proportion)} ${interval(m.lower.lower, m.lower.upper)} (${level} Wilson interval ${cite('wilson')}${k > 1 ? ', item majority' : ''})`;
		return k > 1 ? `${figure}; of all ${num(r.label.trials)} answers, ${percent(r.label.proportion)} ${interval(r.label.lower, r.label.upper)} said so (label level, interval clustered by conversation ${cite('kornGraubard')}).` : `${figure}.`;
	}
	return `By item majority, ${num(m.yes)} of the ${num(r.items)} conversations ${what} and ${num(m.tied)} ${m.tied === 1 ? 'was' : 'were'} tied (${m.tied === 1 ? 'its' : 'their'} reviewers split), so the share lies between ${percent(m.lower.proportion)} and ${percent(m.upper.proportion)} ${interval(m.lower.lower, m.upper.upper)} (ties counted both ways, ${level} Wilson intervals ${cite('wilson')}); of all ${num(r.label.trials)} answers, ${percent(r.label.proportion)} ${interval(r.label.lower, r.label.upper)} said so (label level, interval clustered by conversation ${cite('kornGraubard')}).`;
}

/**
 * "Cohen's κ = 0.41 (Cohen, 1960)", or Fleiss' κ with the labels per item it read: when their
 * number varied, the generalisation that keeps every item labelled at least twice (Gwet 2014).
 */
function kappaText(row: AgreementRow, unit: string, cite: (...keys: RefKey[]) => string): string {
	const k = row.kappa;
	if (k.method === 'cohen') return `Cohen's κ = ${coefficient(k.value)} ${cite('cohen')}`;
	const range = k.labelsPerItem;
	const varied = range !== null && range.min < range.max;
	if (!varied) return `Fleiss' κ = ${coefficient(k.value)} ${cite('fleiss')}`;
	// cite() marks both references as cited; the parenthesis is already open.
	const sources = cite('fleiss', 'gwet').slice(1, -1);
	return `Fleiss' κ = ${coefficient(k.value)} (over all ${num(k.items)} ${unit} labelled at least twice, with ${range.min} to ${range.max} labels each: Fleiss' κ generalised to varying numbers of labels per item; ${sources})`;
}

function conversationAgreement(row: AgreementRow | null, unit: ConversationReport['unit'], cite: (...keys: RefKey[]) => string): string {
	if (!row || !row.percent.items) return 'No conversation has been judged twice yet, so agreement between reviewers is not measured.';
	const what = unit === 'conversation' ? 'whether a conversation is correct as a whole' : 'whether every reply of a conversation is valid';
	const kappa = row.kappa.value === null ? '' : `, ${kappaText(row, 'conversations', cite)}`;
	return `Agreement between reviewers on ${what} was ${percent(row.percent.value)} (mean share of agreeing pairs; n = ${num(row.percent.items)} conversations judged at least twice)${kappa}.`;
}

function judgeSentences(j: MethodsJudge, cite: (...keys: RefKey[]) => string): string {
	const e = j.estimate;
	const judge = `A model judge (${j.model}, judge run ${j.runId}) answered the same three questions`;
	if (!e || e.estimate === null) return `${judge} for ${num(j.judgedItems)} of the audited items. Its labels were compared with the reviewers' but not used for the estimate${j.note ? `: ${asClause(j.note).replace(/\.$/, '')}` : ''}.`;
	const level = levelText(e.confidence);
	const unit = e.design === 'rows' ? 'rows' : 'tasks';
	const ppiPlus = e.method === 'ppi++';
	const method = ppiPlus
		? `prediction-powered inference with power tuning, PPI++ ${cite('ppi', 'ppiPlusPlus')}: λ times the judge's rate of "all valid" on all N = ${num(e.populationRows)} ${unit}, corrected by the mean of (human − λ × judge) on the n = ${num(e.auditedRows)} audited ${unit} with a final label (λ = ${coefficient(e.lambda)}, fitted on the audit and clipped to [0, 1])`
		: `prediction-powered inference ${cite('ppi')}: the judge's rate of "all valid" on all N = ${num(e.populationRows)} ${unit}, corrected by the mean human − judge difference on the n = ${num(e.auditedRows)} audited ${unit} with a final label`;
	const fpc = e.design === 'rows' ? ' with the finite-population correction' : '';
	const interval = `${level} normal-approximation interval from the variance of the audited differences${fpc}`;
	// The audit's own figure is computed as the estimate at λ = 0 (same variance form), not a Wilson interval.
	const humanInterval = `${level} normal-approximation interval from the variance of the audited human labels${fpc} (the estimate's interval at λ = 0)`;
	const worth = (x: { effectiveSampleSize: number | null; fallback: unknown }) =>
		x.effectiveSampleSize !== null && !x.fallback ? `; the interval is as narrow as that of a human-only audit of about ${num(Math.round(x.effectiveSampleSize))} ${unit}` : '';
	const reason = (f: JudgeFallback | true) => (f === true ? 'there was no audited row to correct it' : asClause(judgeAddsNothingText(f)));
	const asked = `A model judge (${j.model}, judge run ${j.runId}) was asked the same three questions for every row the audit sampled from, ${num(j.judgedItems)} of the audited items among them`;
	const unreadable = j.unreadableRows ?? 0;
	const labelled =
		unreadable > 0
			? `${asked}; its reply could not be read for ${num(unreadable)} row${unreadable === 1 ? '' : 's'}, counted as not all valid (a fixed rule keeps the estimate valid: the audit measures the judge as applied).`
			: `${judge} for every row the audit sampled from, ${num(j.judgedItems)} of the audited items among them.`;
	const t = e.tieRange;
	// The headline's fallback: with tied items, the range's (counting them may audit every row).
	const headFallback = t ? (t.fallback ?? null) : e.fallback === false ? null : e.fallback;
	const secondary = `${percent(e.estimate)} [${percent(e.lower)}, ${percent(e.upper)}]`;
	const secondaryFallback = e.fallback ? ` (the judge added nothing: ${reason(e.fallback)}; the human-only rate)` : '';
	if (headFallback) {
		// Said plainly: the figure is the audit's alone, with its own interval; no gain from the judge.
		const figures = t
			? `${percent(t.low)}–${percent(t.high)} [${percent(t.lower)}, ${percent(t.upper)}] with the ${num(t.tiedItems)} audited ${unit} whose reviewers tied counted as "no" and as "yes"; with them left out (n = ${num(e.auditedRows)}), ${e.fallback ? '' : 'PPI++ gives '}${secondary}${secondaryFallback}${worth(e)}`
			: secondary;
		return `${labelled} The judge added nothing to the estimate of the share of the whole dataset with all three fields valid: ${reason(headFallback)}. The figure is the audited human labels' own, with a ${humanInterval}: ${figures}.`;
	}
	// With tied items the headline is the range (as the report and the card): the ties-left-out figure only after it.
	const figures = t
		? `${percent(t.low)}–${percent(t.high)} [${percent(t.lower)}, ${percent(t.upper)}] with the ${num(t.tiedItems)} audited ${unit} whose reviewers tied counted as "no" and as "yes"; with them left out (n = ${num(e.auditedRows)}), ${secondary}${secondaryFallback}${worth(e)}`
		: `${secondary}${worth(e)}`;
	return `${labelled} We estimated the share of the whole dataset with all three fields valid by ${method}, with a ${interval}: ${figures}.`;
}

/**
 * Why the latent-class estimate was not used: one reason alone when every question fell back for
 * it, else each reason with its questions (all three fields first), so none is left unsaid.
 */
function fallbackSentences(rates: readonly RateRow[]): string[] {
	const ordered = [...rates].sort((a, b) => Number(b.key === 'allValid') - Number(a.key === 'allValid'));
	const byReason = new Map<string, RateRow[]>();
	for (const r of ordered) if (r.headline.fallback) byReason.set(r.headline.fallback, [...(byReason.get(r.headline.fallback) ?? []), r]);
	const clause = (reason: string) => asClause(reason).replace(/\.$/, '');
	if (byReason.size === 1 && [...byReason.values()][0].length === rates.length) return [`(The latent-class estimate was not used: ${clause([...byReason.keys()][0])}.)`];
	return [...byReason].map(([reason, list]) => `(The latent-class estimate was not used for ${listText(list.map((r) => QUESTION_NAMES[r.key]))}: ${clause(reason)}.)`);
}

/**
 * The estimator, reasons and figures when the questions' headlines come from different estimators
 * (the data identify latent truth for some questions only): each figure is named by its estimator.
 */
function mixedEstimatorSentences(rates: readonly RateRow[], k: number, level: string, cite: (...keys: RefKey[]) => string): string[] {
	const s: string[] = [];
	// Estimators in the order of their first question, all three fields first.
	const ordered = [...rates].sort((a, b) => Number(b.key === 'allValid') - Number(a.key === 'allValid'));
	const byEstimator = new Map<EstimatorKey, RateRow[]>();
	for (const r of ordered) byEstimator.set(r.headline.estimator, [...(byEstimator.get(r.headline.estimator) ?? []), r]);
	const names = (list: readonly RateRow[]) => listText(list.map((r) => QUESTION_NAMES[r.key]));
	s.push(`The estimator differs by question, as the data allow: ${[...byEstimator].map(([estimator, list]) => `${names(list)} by ${estimatorInText(estimator)}`).join('; ')}.`);
	const replicates = rates.find((r) => r.latent.replicates)?.latent.replicates || 200;
	for (const [estimator, list] of byEstimator) {
		const sentence = estimatorSentence(estimator, k, level, replicates, cite);
		s.push(`For ${names(list)}: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`);
	}
	const grouped = (reason: (r: RateRow) => string | null) => {
		const byReason = new Map<string, RateRow[]>();
		for (const r of ordered) {
			const text = reason(r);
			if (text) byReason.set(text, [...(byReason.get(text) ?? []), r]);
		}
		return [...byReason];
	};
	for (const [reason, list] of grouped((r) => r.headline.fallback)) s.push(`(The latent-class estimate was not used for ${names(list)}: ${asClause(reason).replace(/\.$/, '')}.)`);
	for (const [caveat, list] of grouped((r) => r.headline.caveat)) s.push(`(For ${names(list)}, the latent-class model is not identified by these data, and its estimate depends on where the fit starts: ${asClause(caveat).replace(/\.$/, '')}.)`);
	// The figures, each under its estimator's name.
	const figures = [...byEstimator].map(
		([estimator, list]) =>
			`by ${estimatorInText(estimator)}: ${list.map((r) => `${QUESTION_NAMES[r.key]} ${headlineText(r.headline)} (n = ${num(r.headline.n)}${estimator === 'label' ? ` items, ${num(r.label.labels)} labels` : ''})`).join(', ')}`
	);
	s.push(`The share judged valid was, ${figures.join('; ')}.`);
	return s;
}

function estimatorSentence(estimator: EstimatorKey, k: number, level: string, replicates: number, cite: (...keys: RefKey[]) => string): string {
	if (estimator === 'latent')
		return `We estimated each rate with Dawid and Skene's latent-class model ${cite('dawidSkene')}, fitted by EM, in which each reviewer has their own sensitivity and specificity and adjudicated items are fixed at their final label; the rate is the mean posterior probability of "yes" over the labelled items, with ${level} ${intervalMethod('latent', replicates)} ${cite('efron')}.`;
	if (estimator === 'label')
		return `We report the share of "yes" among all reviewers' labels, with a ${level} Wilson interval ${cite('wilson')} at the effective sample size given by the variance clustered by item ${cite('kornGraubard')}.`;
	if (k === 1) return `We report the share of items answered "yes" with ${level} Wilson score intervals ${cite('wilson')}.`;
	return `Each item's final label is a researcher's adjudication where there is one, else the majority of its reviewers' answers; we report the share of items answered "yes" with ${level} Wilson score intervals ${cite('wilson')}, counting items whose reviewers tied both ways, which gives a lower and an upper figure.`;
}

/** The paragraph and its reference list as plain text, ready to paste. */
export function methodsText(methods: MethodsText): string {
	return `${methods.paragraph}\n\nReferences\n${methods.references.map((r) => `- ${r}`).join('\n')}\n`;
}
