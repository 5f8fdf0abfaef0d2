/**
 * The report's tables as a paper prints them (src/lib/tables' PaperTable), one mapping per table,
 * so the page's "Copy as LaTeX / Markdown", `report --latex|--markdown` and the dataset card all
 * write the same cells: percentages with one decimal, intervals in brackets, n stated, the
 * estimator and interval method named under each table.
 */
import type { PaperTable } from '$lib/tables';
import { ESTIMATOR_LABELS, type HeadlineRate } from './estimators';
import { WEIGHTED_NAME, stratumRateText, CATEGORY_LABELS, GROUP_LABELS, RATE_LABELS, coefficient, headlineText, interval, judgementLabel, percent, pValue, staleAdjudicationsNote } from './format';
import type { RateRow } from './quality';
import { SELF_INSTRUCT_TABLE_2, UNNATURAL_AUDIT } from './references';
import type { AuditReport } from './report';
import { medianDifferenceText, ratingCountText } from './rating';
import { RATING_KEYS, type RatingLevel } from '$lib/audits/rubric';
import type { AgreementRow } from './agreement';
import { bradleyTerryIntervalsText } from '../stats/pairwise';
import { POSITION_BIAS_ALPHA, type ConversationReport, type PairwiseReport, type ShapeRate } from './shapes';
import type { EstimatorKey } from './types';

/** A report table: a stable id (for buttons, file names and the CLI), its title and the table. */
export interface ReportPaperTable {
	id: 'dataset' | 'quality' | 'breakdown' | 'split' | 'agreement' | 'ratings' | 'comparisons' | 'conversations' | 'pairwise' | 'bradley-terry' | 'position';
	title: string;
	table: PaperTable;
}

/** Self-Instruct Table 1's figures (the server's DatasetStatistics adds response and filter counts). */
export interface DatasetFigures {
	instructions: number;
	classification: number;
	nonClassification: number;
	unknownClassification: number;
	instances: number;
	emptyInputInstances: number;
	/** null when there is no instruction (or instance, for outputs): no average to give (printed "—", never 0.0). */
	avgInstructionWords: number | null;
	/** null when no input is non-empty: there is no average to give (printed "—", never 0.0). */
	avgNonEmptyInputWords: number | null;
	avgOutputWords: number | null;
	/** Only the rows the automatic filters kept are counted (stats --kept-only): the caption says so. */
	keptOnly?: boolean;
	/**
	 * Beside an audit's report: the instructions its sample was drawn from (its sampling frame), so
	 * a note reconciles the table's count with the population the methods paragraph gives.
	 */
	auditFrame?: { units: number; filtered: boolean } | null;
}

/** "95%" from 0.95 (one decimal only when needed: "99.5%"). */
export function levelText(confidence: number): string {
	return `${Math.round(confidence * 1000) / 10}%`;
}

/** "1,234" in every locale, so tables read the same on any machine. */
function count(n: number): string {
	return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Said under a verdict-stratified audit's error breakdown: its shares are of the sample, not weighted like the headline. */
export const BREAKDOWN_POOLED = "The breakdown's shares pool the sampled items without weights (each stratum counts by its sample), unlike the headline rates, which weight the strata by their sizes in the dataset.";

/** How an estimator's interval is computed, in a clause (for captions and the methods paragraph). */
export function intervalMethod(estimator: EstimatorKey, replicates = 200): string {
	if (estimator === 'majority') return 'Wilson score intervals (tied items counted both ways)';
	if (estimator === 'label') return 'Wilson intervals at the effective sample size, clustered by item';
	return `percentile bootstrap intervals (${replicates} resamples of items)`;
}

function headlineEstimators(rates: readonly RateRow[]): EstimatorKey[] {
	return [...new Set(rates.map((r) => r.headline.estimator))];
}

function headlineNote(rates: readonly RateRow[], confidence: number): string {
	const replicates = rates.find((r) => r.latent.status === 'ok')?.latent.replicates ?? 200;
	// A verdict-stratified audit's headlines weight its strata (./weighted): named with their interval.
	if (rates.some((r) => r.headline.weighted)) return `${ESTIMATOR_LABELS.majority}, ${WEIGHTED_NAME}: ${levelText(confidence)} ${WEIGHTED_INTERVAL}.`;
	return headlineEstimators(rates)
		.map((e) => `${ESTIMATOR_LABELS[e]}: ${levelText(confidence)} ${intervalMethod(e, replicates)}.`)
		.join(' ');
}

/** The interval of a stratum-weighted rate ($lib/stats stratifiedBounds), in a clause. */
const WEIGHTED_INTERVAL = "Wilson intervals at Kish's effective sample size of the stratified estimate (tied items counted both ways)";

/** Each stratum's rows, items and "all fields valid" rate under a weighted table: the figures the weights act on. */
function strataNotes(rates: readonly RateRow[]): string[] {
	const w = rates.find((r) => r.key === 'allValid')?.weighted;
	if (!w || !rates.some((r) => r.headline.weighted)) return [];
	return [`Strata (rows in the dataset; items; all fields valid): ${w.strata.map((h) => `${h.label}: ${count(Math.round(h.rows))}; ${count(h.items)}; ${stratumRateText(h)}`).join('. ')}.`];
}

/** What a headline's n counts under each estimator: the tables' note on n and the figures' captions. */
export const N_COUNTS: Record<EstimatorKey, string> = {
	majority: 'items with a final label or tied reviewers',
	latent: 'items with answers or an adjudication',
	label: 'items labelled at least once'
};

/** The same in a table's note: the rate of the label level is a share of labels, not of items. */
const N_UNIT: Record<EstimatorKey, string> = {
	majority: `${N_COUNTS.majority} (a tie counts both ways)`,
	latent: N_COUNTS.latent,
	label: `${N_COUNTS.label}; the rate is the share of yes among all their labels (every reviewer's answer; labels in parentheses)`
};

/** The table's footnote on n, per estimator its rows use. */
export function nNote(rates: readonly RateRow[]): string {
	const used = headlineEstimators(rates);
	if (used.length === 1) return `n: ${N_UNIT[used[0]]}.`;
	return `n: ${used.map((e) => `${ESTIMATOR_LABELS[e]}, ${N_UNIT[e]}`).join('; ')}.`;
}

/** n for a rate row: items, with the labels beside them when the rate is a share of labels. */
function nCell(r: RateRow): string {
	return r.headline.estimator === 'label' ? `${count(r.headline.n)} (${count(r.label.labels)} labels)` : count(r.headline.n);
}

function rateCell(h: HeadlineRate): string {
	if (h.n === 0) return '—';
	return h.proportion !== null ? percent(h.proportion) : `${percent(h.low)}–${percent(h.high)}`;
}

/** An average in words to one decimal, or "—" when there is nothing to average. */
export function average(words: number | null): string {
	return words === null ? '—' : words.toFixed(1);
}

/** Self-Instruct Table 1: the dataset's size and lengths. */
export function datasetTable(stats: DatasetFigures, datasetName: string): ReportPaperTable {
	const rows: string[][] = [
		['# of instructions', count(stats.instructions)],
		['- # of classification instructions', count(stats.classification)],
		['- # of non-classification instructions', count(stats.nonClassification)],
		...(stats.unknownClassification ? [['- classification unknown', count(stats.unknownClassification)]] : []),
		['# of instances', count(stats.instances)],
		['- # of instances with empty input', count(stats.emptyInputInstances)],
		['ave. instruction length (in words)', average(stats.avgInstructionWords)],
		['ave. non-empty input length (in words)', average(stats.avgNonEmptyInputWords)],
		['ave. output length (in words)', average(stats.avgOutputWords)]
	];
	const frame = stats.auditFrame;
	// The audit drew from fewer instructions than the table counts (rows the filters rejected left out, gold, …): say which.
	const frameNote =
		frame && frame.units !== stats.instructions
			? [`The audit's sample was drawn from ${count(frame.units)} of these ${count(stats.instructions)} instructions, its sampling frame when drawn${frame.filtered ? ' (without the rows the automatic filters rejected)' : ''}, the population the methods paragraph gives.`]
			: [];
	return {
		id: 'dataset',
		title: 'Dataset statistics (Table 1)',
		table: {
			caption: stats.keptOnly ? `Statistics of the dataset "${datasetName}", rows kept by the automatic filters only` : `Statistics of the dataset "${datasetName}"`,
			label: 'tab:dataset-statistics',
			columns: [
				{ heading: 'Statistic', align: 'left' },
				{ heading: 'Value', align: 'right' }
			],
			rows,
			notes: ['As in Self-Instruct Table 1: a word is a whitespace-separated token; input length is averaged over non-empty inputs.', ...frameNote]
		}
	};
}

/** Every table of an audit's report, in the page's order (the dataset's Table 1 first when given). */
export function reportPaperTables(report: AuditReport, dataset?: DatasetFigures): ReportPaperTable[] {
	const tables: ReportPaperTable[] = [];
	if (dataset) tables.push(datasetTable(dataset, report.audit.datasetName));
	const level = levelText(report.confidence);
	const a = report.audit;
	const who = `audit "${a.name}" of "${a.datasetName}"`;
	// Said under the headline table (quality or ratings), as the page and the text report say it.
	const stale = staleAdjudicationsNote(report);
	const staleNotes = stale ? [stale] : [];

	if (report.quality) {
		const all = report.quality.groups[0];
		const ref = SELF_INSTRUCT_TABLE_2;
		tables.push({
			id: 'quality',
			title: 'Data quality (Table 2)',
			table: {
				caption: `Data quality of ${all.items} sampled instances, ${who}, with ${level} intervals`,
				label: 'tab:data-quality',
				columns: [
					{ heading: 'Quality review question', align: 'left' },
					{ heading: 'Yes', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'n', align: 'right' },
					{ heading: 'Self-Instruct', align: 'right' }
				],
				rows: all.rates.map((r) => [
					RATE_LABELS[r.key],
					rateCell(r.headline),
					r.headline.n ? interval(r.headline.lower, r.headline.upper) : '—',
					nCell(r),
					r.reference === null ? '—' : percent(r.reference, 0)
				]),
				ruleBefore: [3],
				notes: [
					`${nNote(all.rates)} ${headlineNote(all.rates, report.confidence)}`,
					...strataNotes(all.rates),
					`Self-Instruct: the paper's Table 2 (${ref.description}; no intervals), for orientation.`,
					...staleNotes
				]
			}
		});

		const unnatural = UNNATURAL_AUDIT;
		tables.push({
			id: 'breakdown',
			title: 'What is wrong (error breakdown)',
			table: {
				caption: `Verdicts of ${all.decided} labelled instances by error reason, ${who}`,
				label: 'tab:error-breakdown',
				columns: [
					{ heading: 'Verdict', align: 'left' },
					{ heading: 'Items', align: 'right' },
					{ heading: 'Share', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'Of incorrect', align: 'right' },
					{ heading: 'Unnatural Instr.', align: 'right' }
				],
				rows: all.breakdown.map((b) => [
					CATEGORY_LABELS[b.key],
					count(b.count),
					percent(b.proportion),
					b.proportion === null ? '—' : interval(b.lower, b.upper),
					percent(b.shareOfIncorrect),
					b.reference ? `${b.reference.count}/${unnatural.items} (${percent(b.reference.share)})` : '—'
				]),
				notes: [
					`By item majority (adjudicated label where there is one); n = ${all.decided} items; ${level} Wilson score intervals. Unnatural Instructions: the paper's audit of ${unnatural.items} examples, for orientation.`,
					...(all.rates.some((r) => r.headline.weighted) ? [BREAKDOWN_POOLED] : [])
				]
			}
		});

		const groups = report.quality.groups;
		tables.push({
			id: 'split',
			title: 'Classification and non-classification tasks',
			table: {
				caption: `Data quality by task type, ${who}, with ${level} intervals`,
				label: 'tab:quality-by-task-type',
				columns: [{ heading: 'Rate', align: 'left' }, ...groups.map((g) => ({ heading: `${GROUP_LABELS[g.key]} (n = ${g.items})`, align: 'right' as const }))],
				rows: all.rates.map((r, i) => [RATE_LABELS[r.key], ...groups.map((g) => headlineText(g.rates[i].headline))]),
				notes: [`Each cell: the headline rate and its ${level} interval. ${headlineNote(all.rates, report.confidence)}`]
			}
		});
	}

	const agreement = report.quality?.agreement ?? report.rating?.agreement ?? null;
	if (agreement) {
		const unit = report.quality ? 'items' : 'responses';
		tables.push({
			id: 'agreement',
			title: 'Reviewer agreement',
			table: {
				caption: `Agreement between reviewers, ${who}`,
				label: 'tab:agreement',
				columns: [
					{ heading: 'Judgement', align: 'left' },
					{ heading: 'Scale', align: 'left' },
					{ heading: 'Agreement', align: 'right' },
					{ heading: 'n', align: 'right' },
					{ heading: 'κ', align: 'right' },
					{ heading: "Krippendorff's α", align: 'right' }
				],
				rows: agreement.map((r) => [
					report.rating && r.key !== 'all models' ? r.key : judgementLabel(r.key),
					r.scale,
					percent(r.percent.value),
					count(r.percent.items),
					`${coefficient(r.kappa.value)} (${r.kappa.method === 'cohen' ? 'Cohen' : 'Fleiss'})`,
					`${coefficient(r.alpha.value)} (${r.alpha.level})`
				]),
				notes: [
					`Agreement: mean share of agreeing reviewer pairs per unit; n: ${unit} labelled at least twice. κ: Cohen's with exactly two reviewers, else Fleiss'. α over every pairable label.`
				]
			}
		});
	}

	if (report.rating) {
		const models = report.rating.models;
		tables.push({
			id: 'ratings',
			title: 'A–D ratings (Figure 5)',
			table: {
				caption: `Ratings of each model's responses, ${who}`,
				label: 'tab:ratings',
				columns: [
					{ heading: 'Model', align: 'left' },
					...RATING_KEYS.map((l) => ({ heading: l, align: 'right' as const })),
					{ heading: 'n', align: 'right' },
					{ heading: 'A or B', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'n (A or B)', align: 'right' }
				],
				rows: models.map((m) => [
					m.model,
					...RATING_KEYS.map((l) => `${ratingCountText(m.counts[l])} (${percent(m.shares[l])})`),
					count(m.n),
					percent(m.aOrB.proportion),
					m.aOrB.proportion === null ? '—' : interval(m.aOrB.lower, m.aOrB.upper),
					count(m.aOrB.trials)
				]),
				notes: [
					`A: valid and satisfying; B: acceptable with minor errors; C: relevant with significant errors; D: irrelevant or invalid (Self-Instruct Figure 5). n: rated responses, all of them: each counts once, shared evenly among its reviewers' ratings (rated A and B: ½ each; a researcher's adjudicated rating counts alone), so counts may be fractional. ` +
						`A or B: the share of A plus that of B. ${level} Wilson score intervals${models.some((m) => m.disagreements > 0) ? ' at the effective sample size, clustered by response' : ''}.`,
					...staleNotes
				]
			}
		});
		if (report.rating.comparisons.length) {
			// Three or more models: the p-values are read together, so Holm-adjusted ones stand beside them.
			const holm = report.rating.comparisons.some((c) => c.family > 1);
			tables.push({
				id: 'comparisons',
				title: 'Paired comparisons (Wilcoxon and sign tests)',
				table: {
					caption: `Paired comparisons of models on the same tasks, ${who}`,
					label: 'tab:model-comparisons',
					columns: [
						{ heading: 'First vs second', align: 'left' },
						{ heading: 'Pairs', align: 'right' },
						{ heading: 'First better', align: 'right' },
						{ heading: 'Second better', align: 'right' },
						{ heading: 'Same', align: 'right' },
						{ heading: 'Median diff.', align: 'right' },
						{ heading: 'Wilcoxon p', align: 'right' },
						{ heading: 'Sign test p', align: 'right' },
						...(holm ? [{ heading: 'Wilcoxon p (Holm)', align: 'right' as const }, { heading: 'Sign test p (Holm)', align: 'right' as const }] : [])
					],
					rows: report.rating.comparisons.map((c) => [
						`${c.first} vs ${c.second}`,
						count(c.pairs),
						count(c.firstBetter),
						count(c.secondBetter),
						count(c.same),
						medianDifferenceText(c.medianDifference),
						pValue(c.wilcoxon.pValue),
						pValue(c.sign.pValue),
						...(holm ? [pValue(c.wilcoxon.holmPValue), pValue(c.sign.holmPValue)] : [])
					]),
					notes: [
						`Pairs: tasks where both responses have at least one rating${report.rating.comparisons.some((c) => c.notRatedByBoth) ? ` (left out, not rated for both models: ${report.rating.comparisons.map((c) => `${count(c.notRatedByBoth)} for ${c.first} vs ${c.second}`).join(', ')})` : ''}; each response scored by the mean of its reviewers' ratings (A = 4 … D = 1). Better, worse, same and the median difference (in rating levels, positive when the first model is better) compare those scores. Wilcoxon signed-rank (mid-ranks for tied differences, zero differences dropped) and exact sign tests, both two-sided${holm ? `; p unadjusted, and (Holm) adjusted by Holm's step-down method over the ${report.rating.comparisons.length} comparisons` : ''}.`
					]
				}
			});
		}
	}
	if (report.conversation) tables.push(...conversationTables(report.conversation, level, who));
	if (report.pairwise) tables.push(...pairwiseTables(report.pairwise, level, who, report.reviewers));
	return tables;
}

/** A conversation audit's rates: whole conversations and, replies judged one by one, each reply position. */
function conversationTables(c: ConversationReport, level: string, who: string): ReportPaperTable[] {
	const majority = (r: ShapeRate) => (r.majority.tied ? `${percent(r.majority.lower.proportion)}–${percent(r.majority.upper.proportion)}` : percent(r.majority.rate));
	const row = (what: string, r: ShapeRate, ratings: Record<RatingLevel, number> | null) => [
		what,
		count(r.items),
		majority(r),
		r.items ? interval(r.majority.lower.lower, r.majority.upper.upper) : '—',
		count(r.majority.tied),
		percent(r.label.proportion),
		r.label.trials ? interval(r.label.lower, r.label.upper) : '—',
		ratings ? RATING_KEYS.map((k) => count(ratings[k])).join(' / ') : '—'
	];
	const agreement = (a: AgreementRow | null, what: string) => (a?.percent.items ? `${what}: ${percent(a.percent.value)} (n = ${count(a.percent.items)}; ${a.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} κ = ${coefficient(a.kappa.value)})` : '');
	const agreements = [agreement(c.agreement, 'on each conversation as a whole'), agreement(c.replyAgreement, 'on each reply')].filter(Boolean);
	return [
		{
			id: 'conversations',
			title: 'Correctness of conversations and replies',
			table: {
				caption: `${c.unit === 'conversation' ? 'Conversations judged correct as a whole' : 'Conversations with every reply judged valid, and each reply position'}, ${who}`,
				label: 'tab:conversations',
				columns: [
					{ heading: 'What', align: 'left' },
					{ heading: 'Items', align: 'right' },
					{ heading: 'Item majority', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'Tied', align: 'right' },
					{ heading: 'Label level', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'A / B / C / D', align: 'right' }
				],
				rows: [row('Whole conversations', c.conversations, c.conversationRatings), ...c.byPosition.map((p) => row(`Reply ${p.position}`, p, p.ratings))],
				notes: [
					`Item majority: the share of conversations (or replies at that position) most of whose reviewers said valid; a tied item counts both ways (the range), ${level} Wilson score intervals over both bounds. Label level: the share of all answers saying valid, ${level} Wilson intervals at the effective sample size, clustered by conversation.` +
						(agreements.length ? ` Agreement between reviewers ${agreements.join('; ')}.` : '')
				]
			}
		}
	];
}

/** A pairwise audit's win / tie / loss per model pair, its Bradley–Terry strengths and each reviewer's position bias. */
function pairwiseTables(p: PairwiseReport, level: string, who: string, reviewers: AuditReport['reviewers']): ReportPaperTable[] {
	const tables: ReportPaperTable[] = [];
	const rate = (x: { proportion: number | null; lower: number; upper: number }) => (x.proportion === null ? '—' : `${percent(x.proportion)} ${interval(x.lower, x.upper)}`);
	tables.push({
		id: 'pairwise',
		title: 'Win / tie / loss per model pair',
		table: {
			caption: `Pairwise preferences per model pair, ${who}`,
			label: 'tab:pairwise',
			columns: [
				{ heading: 'First', align: 'left' },
				{ heading: 'Second', align: 'left' },
				{ heading: 'Wins', align: 'right' },
				{ heading: 'Ties', align: 'right' },
				{ heading: 'Losses', align: 'right' },
				{ heading: `Win rate [${level} CI]`, align: 'right' },
				{ heading: `Among decided [${level} CI]`, align: 'right' }
			],
			rows: p.records.map((r) => [r.first, r.second, count(r.wins), count(r.ties), count(r.losses), rate(r.winRate), rate(r.decisiveWinRate)]),
			notes: [
				`Each reviewer's choice is one comparison; "both bad" (${count(p.bothBad)}) counts as none. Wins and losses are the first's. ${level} Wilson score intervals${p.clustered ? ' at the effective sample size, clustered by item (an item\'s several choices are not independent)' : ''}. Among decided: ties left out.` +
					(p.agreement.pairs ? ` Reviewers agreed on ${percent(p.agreement.rate)} of the ${count(p.agreement.pairs)} pairs of choices made on the same item.` : '')
			]
		}
	});
	const bt = p.bradleyTerry;
	if (bt) {
		tables.push({
			id: 'bradley-terry',
			title: 'Bradley–Terry strengths',
			table: {
				caption: `Bradley–Terry strengths of the models, ${who}`,
				label: 'tab:bradley-terry',
				columns: [
					{ heading: 'Rank', align: 'right' },
					{ heading: 'Model', align: 'left' },
					{ heading: 'Strength', align: 'right' },
					{ heading: `${level} CI`, align: 'left' },
					{ heading: 'Wins / comparisons', align: 'right' }
				],
				rows: bt.models.map((m) => [m.rank === null ? '—' : String(m.rank), m.model, m.strength === null ? '—' : m.strength.toFixed(2), m.lower === null || m.upper === null ? '—' : `[${m.lower.toFixed(2)}, ${m.upper.toFixed(2)}]`, `${m.wins} / ${count(m.comparisons)}`]),
				notes: [`Hunter's MM fit, ties as half wins; strengths on the log scale, centred so the models average 0.${bt.identifiable ? ` ${bradleyTerryIntervalsText(bt, 'items')}.` : ` ${bt.problem ?? 'Not identified.'}`}`]
			}
		});
	}
	if (p.positionBias.length) {
		const nameOf = (id: number) => reviewers.find((r) => r.reviewerId === id)?.name ?? `reviewer ${id}`;
		tables.push({
			id: 'position',
			title: 'Position: the response shown first',
			table: {
				caption: `How often each reviewer chose the response shown first, ${who}`,
				label: 'tab:position-bias',
				columns: [
					{ heading: 'Reviewer', align: 'left' },
					{ heading: 'Chose first', align: 'right' },
					{ heading: 'Share', align: 'right' },
					{ heading: 'p', align: 'right' }
				],
				rows: p.positionBias.map((b) => [`${nameOf(b.reviewerId)}${b.flagged ? ' *' : ''}`, `${count(b.choseFirst)} of ${count(b.decided)}`, percent(b.share), pValue(b.pValue)]),
				notes: [`Of each reviewer's choices of one response over the other, those for the response shown first (each reviewer saw a shuffled order). p: two-sided exact binomial test against 50%; * far from 50% (p < ${POSITION_BIAS_ALPHA}).`]
			}
		});
	}
	return tables;
}
