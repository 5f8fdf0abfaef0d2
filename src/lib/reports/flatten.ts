/**
 * The report as one long table (one number per row, with its n and interval): the CSV download.
 * Long rather than wide so every section fits the same columns and spreadsheets can pivot it.
 */
import { RATING_KEYS } from '$lib/audits/rubric';
import { labelsPerItemText, type AgreementRow } from './agreement';
import { comparisonLabels, type AuditComparison } from './compare';
import { ESTIMATOR_LABELS } from './estimators';
import { CATEGORY_LABELS, GROUP_LABELS, RATE_LABELS, describeHeadline, judgementLabel, percent } from './format';
import type { AuditReport } from './report';
import { settlesDisagreements } from './disagreements';
import { stratumWeightText } from './weighted';
import type { ModelComparison } from './rating';
import { bradleyTerryIntervalsText } from '../stats/pairwise';
import type { ConversationReport, PairwiseReport, ShapeRate } from './shapes';


export interface ReportCsvRow {
	section: string;
	group: string;
	key: string;
	label: string;
	value: number | null;
	successes: number | null;
	n: number | null;
	lower: number | null;
	upper: number | null;
	reference: number | null;
	note: string;
}

export const REPORT_CSV_COLUMNS: Array<keyof ReportCsvRow> = ['section', 'group', 'key', 'label', 'value', 'successes', 'n', 'lower', 'upper', 'reference', 'note'];

function make(partial: Partial<ReportCsvRow> & Pick<ReportCsvRow, 'section' | 'key'>): ReportCsvRow {
	return { group: '', label: '', value: null, successes: null, n: null, lower: null, upper: null, reference: null, note: '', ...partial };
}

function agreementRows(section: string, rows: readonly AgreementRow[], labelOf: (key: string) => string = judgementLabel): ReportCsvRow[] {
	return rows.flatMap((r) => [
		make({ section, group: r.key, key: 'percent_agreement', label: `${labelOf(r.key)}: percent agreement`, value: r.percent.value, n: r.percent.items, note: `${r.percent.pairs} reviewer pairs` }),
		make({
			section,
			group: r.key,
			key: r.kappa.method === 'cohen' ? 'cohen_kappa' : 'fleiss_kappa',
			label: `${labelOf(r.key)}: ${r.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} kappa`,
			value: r.kappa.value,
			n: r.kappa.items,
			note: `${labelsPerItemText(r.kappa)}${r.kappa.method === 'fleiss' && r.kappa.labelsPerItem && r.kappa.labelsPerItem.min < r.kappa.labelsPerItem.max ? " (Fleiss' kappa generalised to varying numbers of labels, Gwet 2014)" : ''}; ${r.kappa.reviewers} reviewers in all`
		}),
		make({
			section,
			group: r.key,
			key: `krippendorff_alpha_${r.alpha.level}`,
			label: `${labelOf(r.key)}: Krippendorff's alpha (${r.alpha.level})`,
			value: r.alpha.value,
			n: r.alpha.n,
			note: `${r.alpha.units} items, n = pairable values`
		})
	]);
}

/** Whether a raw p-value stands alone or is one of several read together. */
function unadjusted(c: ModelComparison): string {
	return c.family > 1 ? `unadjusted, one of ${c.family} comparisons (Holm-adjusted in the *_holm rows)` : 'one comparison, no adjustment needed';
}

export function reportCsvRows(report: AuditReport): ReportCsvRow[] {
	const rows: ReportCsvRow[] = [];
	const a = report.audit;
	rows.push(make({ section: 'audit', key: 'id', label: a.name, value: a.id, note: `${a.kind} audit of dataset "${a.datasetName}"` }));
	rows.push(make({ section: 'audit', key: 'confidence', label: 'Confidence level of the intervals', value: report.confidence }));
	for (const [key, value] of Object.entries(report.progress)) rows.push(make({ section: 'progress', key, value }));
	// Pairwise and conversation audits have no item verdict to settle: no tie or disagreement figures.
	if (settlesDisagreements(a.kind)) {
		for (const [key, value] of Object.entries(report.basis)) rows.push(make({ section: 'basis', key, value }));
		rows.push(make({ section: 'basis', key: 'disagreements', label: 'Items on which reviewers disagree', value: report.disagreements }));
	} else {
		rows.push(make({ section: 'basis', key: 'overlap', value: report.basis.overlap }));
		rows.push(make({ section: 'basis', key: 'unlabelled', value: report.basis.unlabelled }));
	}
	if (report.pairwise) rows.push(...pairwiseRows(report.pairwise, report.reviewers));
	if (report.conversation) rows.push(...conversationRows(report.conversation));

	if (report.quality) {
		for (const g of report.quality.groups) {
			for (const r of g.rates) {
				const label = `${RATE_LABELS[r.key]} (${GROUP_LABELS[g.key]})`;
				const h = r.headline;
				rows.push(
					make({
						section: 'rate',
						group: g.key,
						key: r.key,
						label,
						value: h.proportion,
						n: h.n,
						lower: h.lower,
						upper: h.upper,
						reference: g.key === 'all' ? r.reference : null,
						note: `headline: ${describeHeadline(h)}${h.n === 0 ? ' — no items' : h.proportion === null && h.low !== null && h.high !== null ? ` — between ${(h.low * 100).toFixed(1)}% and ${(h.high * 100).toFixed(1)}%` : ''}`
					})
				);
				const m = r.majority;
				for (const [bound, x, note] of [
					['low', m.low, `${m.ties} tied items counted as no`],
					['high', m.high, `${m.ties} tied items counted as yes`]
				] as const) {
					rows.push(
						make({
							section: 'rate:majority',
							group: g.key,
							key: `${r.key}:${bound}`,
							label: `${label}, ${ESTIMATOR_LABELS.majority} (${bound === 'low' ? 'lower' : 'upper'})`,
							value: x.proportion,
							successes: x.successes,
							n: x.trials,
							lower: x.lower,
							upper: x.upper,
							note: `${note}; ${m.adjudicated} adjudicated; Wilson`
						})
					);
				}
				rows.push(
					make({
						section: 'rate:label',
						group: g.key,
						key: r.key,
						label: `${label}, ${ESTIMATOR_LABELS.label}`,
						value: r.label.proportion,
						successes: r.label.yes,
						n: r.label.labels,
						lower: r.label.lower,
						upper: r.label.upper,
						note: `${r.label.n} items; ratio-estimator interval clustered by item${r.label.designEffect === null ? '' : `, design effect ${r.label.designEffect.toFixed(2)}`}`
					})
				);
				rows.push(
					make({
						section: 'rate:latent',
						group: g.key,
						key: r.key,
						label: `${label}, ${ESTIMATOR_LABELS.latent}`,
						value: r.latent.proportion,
						n: r.latent.n,
						lower: r.latent.status === 'ok' ? r.latent.lower : null,
						upper: r.latent.status === 'ok' ? r.latent.upper : null,
						note: r.latent.status === 'ok' ? `EM ${r.latent.iterations} iterations; bootstrap ${r.latent.replicates} replicates over items${r.latent.identified ? '' : `; not identified: ${r.latent.reason}`}` : (r.latent.reason ?? r.latent.status)
					})
				);
				// A weighted headline's strata: each one's own item-majority rate and the rows that weight it.
				if (h.weighted && r.weighted) {
					for (const x of r.weighted.strata) {
						rows.push(
							make({
								section: 'rate:stratum',
								group: g.key,
								key: `${r.key}:${x.stratum}`,
								label: `${label}, ${x.label}`,
								value: x.rate,
								successes: x.yes,
								n: x.items,
								note: `${stratumWeightText(x)}${x.ties ? `; ${x.ties} tied items: between ${percent(x.low)} and ${percent(x.high)}` : ''}`
							})
						);
					}
				}
			}
			for (const r of g.breakdown) {
				rows.push(
					make({
						section: 'breakdown',
						group: g.key,
						key: r.key,
						label: `${CATEGORY_LABELS[r.key]} (${GROUP_LABELS[g.key]})`,
						value: r.proportion,
						successes: r.count,
						n: r.trials,
						lower: r.lower,
						upper: r.upper,
						reference: g.key === 'all' && r.reference ? r.reference.share : null,
						note: r.shareOfIncorrect === null ? '' : `${(r.shareOfIncorrect * 100).toFixed(1)}% of incorrect`
					})
				);
			}
		}
		if (report.quality.agreement) rows.push(...agreementRows('agreement', report.quality.agreement));
		for (const t of report.quality.ties) {
			rows.push(make({ section: 'tie', group: String(t.itemId), key: 'item', label: `item #${t.position + 1}`, value: t.taskId, n: t.labels, note: t.judgements.join(' ') }));
		}
	}

	if (report.rating) {
		for (const m of report.rating.models) {
			for (const level of RATING_KEYS) {
				rows.push(make({ section: 'model_rating', group: m.model, key: level, label: `Rated ${level}`, value: m.shares[level], successes: m.counts[level], n: m.n, lower: m.levels[level].lower, upper: m.levels[level].upper }));
			}
			rows.push(
				make({
					section: 'model_rating',
					group: m.model,
					key: 'aOrB',
					label: 'Rated A or B',
					value: m.aOrB.proportion,
					successes: m.aOrB.successes,
					n: m.aOrB.trials,
					lower: m.aOrB.lower,
					upper: m.aOrB.upper,
					note: `label level: each rated response counts once, shared among its reviewers' ratings; ${m.disagreements} with reviewers who differ, ${m.unrated} unrated, ${m.adjudicated} adjudicated`
				})
			);
		}
		for (const c of report.rating.comparisons) {
			const group = `${c.first} vs ${c.second}`;
			rows.push(make({ section: 'model_comparison', group, key: 'pairs', label: 'Tasks with both rated', value: c.pairs, n: c.tasks }));
			rows.push(make({ section: 'model_comparison', group, key: 'first_better', label: `${c.first} rated better`, value: c.firstBetter, n: c.pairs }));
			rows.push(make({ section: 'model_comparison', group, key: 'second_better', label: `${c.second} rated better`, value: c.secondBetter, n: c.pairs }));
			rows.push(make({ section: 'model_comparison', group, key: 'same', label: 'Same rating', value: c.same, n: c.pairs }));
			rows.push(make({ section: 'model_comparison', group, key: 'median_difference', label: 'Median difference (levels)', value: c.medianDifference, n: c.pairs }));
			rows.push(
				make({
					section: 'model_comparison',
					group,
					key: 'wilcoxon_p',
					label: 'Wilcoxon signed-rank p (two-sided)',
					value: c.wilcoxon.pValue,
					n: c.wilcoxon.n,
					note: `V = ${c.wilcoxon.statistic}; ${c.wilcoxon.method}${c.wilcoxon.z === null ? '' : `, z = ${c.wilcoxon.z.toFixed(3)}`}; ${c.wilcoxon.zeros} zero differences dropped; ${unadjusted(c)}`
				})
			);
			rows.push(make({ section: 'model_comparison', group, key: 'sign_p', label: 'Sign test p (two-sided, exact)', value: c.sign.pValue, n: c.sign.n, note: `${c.sign.positive} +, ${c.sign.negative} −; ${unadjusted(c)}` }));
			if (c.family > 1) {
				const holm = `Holm-adjusted over the ${c.family} model comparisons (Holm 1979)`;
				rows.push(make({ section: 'model_comparison', group, key: 'wilcoxon_p_holm', label: 'Wilcoxon signed-rank p, Holm-adjusted', value: c.wilcoxon.holmPValue, n: c.wilcoxon.n, note: holm }));
				rows.push(make({ section: 'model_comparison', group, key: 'sign_p_holm', label: 'Sign test p, Holm-adjusted', value: c.sign.holmPValue, n: c.sign.n, note: holm }));
			}
		}
		if (report.rating.agreement) rows.push(...agreementRows('agreement', report.rating.agreement));
		for (const t of report.rating.ties) {
			rows.push(make({ section: 'tie', group: String(t.itemId), key: 'item', label: `item #${t.position + 1}`, value: t.taskId, n: t.labels, note: t.judgements.join(' ') }));
		}
	}

	if (report.qualification) {
		const q = report.qualification;
		rows.push(make({ section: 'qualification', key: 'rule', label: `First ${q.items} items gold; labels count from ${(q.accuracy * 100).toFixed(0)}% accuracy`, value: q.items, note: `${q.excludedLabels} labels not counted` }));
		for (const r of q.reviewers) {
			rows.push(make({ section: 'qualification', group: r.name, key: r.state, label: `Gold accuracy over the first ${q.items}`, value: r.accuracy, successes: r.correct, n: r.total, note: `${r.labelled} of ${q.items} gold items labelled; ${r.excludedLabels} labels not counted` }));
		}
	}

	for (const r of report.reviewers) {
		const group = r.name;
		rows.push(make({ section: 'reviewer', group, key: 'items', label: 'Items labelled (sampled)', value: r.items }));
		rows.push(make({ section: 'reviewer', group, key: 'gold_items', label: 'Gold items labelled', value: r.goldItems }));
		rows.push(make({ section: 'reviewer', group, key: 'skips', label: 'Items skipped', value: r.skips }));
		rows.push(make({ section: 'reviewer', group, key: 'median_seconds', label: 'Median seconds per item, first shown to submitted (includes time away)', value: r.medianSeconds, n: r.items + r.goldItems }));
		rows.push(make({ section: 'reviewer', group, key: 'median_active_seconds', label: 'Median active seconds per item', value: r.medianActiveSeconds, n: r.items + r.goldItems }));
		rows.push(make({ section: 'reviewer', group, key: 'agreement', label: 'Agreement with other reviewers', value: r.agreement.value, n: r.agreement.pairs, note: `${r.agreement.items} shared items` }));
		if (r.replyAgreement)
			rows.push(make({ section: 'reviewer', group, key: 'reply_agreement', label: 'Agreement with other reviewers on each reply', value: r.replyAgreement.value, n: r.replyAgreement.pairs, note: `${r.replyAgreement.items} shared replies` }));
		for (const [key, e] of Object.entries(r.errorRates)) {
			if (!e) continue;
			const q = RATE_LABELS[key as keyof typeof RATE_LABELS];
			rows.push(make({ section: 'reviewer', group, key: `sensitivity:${key}`, label: `Sensitivity, ${q}`, value: e.sensitivity, n: e.answers, lower: e.sensitivityInterval[0], upper: e.sensitivityInterval[1], note: e.random ? 'answers look random' : '' }));
			rows.push(make({ section: 'reviewer', group, key: `specificity:${key}`, label: `Specificity, ${q}`, value: e.specificity, n: e.answers, lower: e.specificityInterval[0], upper: e.specificityInterval[1], note: e.random ? 'answers look random' : '' }));
		}
		if (r.gold) {
			rows.push(
				make({ section: 'reviewer', group, key: 'gold_accuracy', label: 'Accuracy on gold answers', value: r.gold.proportion, successes: r.gold.successes, n: r.gold.trials, lower: r.gold.lower, upper: r.gold.upper, note: `${r.gold.items} gold items` })
			);
		}
	}
	return rows;
}

function pairwiseRows(p: PairwiseReport, reviewers: AuditReport['reviewers']): ReportCsvRow[] {
	// Reviewers by name (their email), as in every other row and in the paper table.
	const nameOf = (id: number) => reviewers.find((r) => r.reviewerId === id)?.name ?? `reviewer ${id}`;
	const rows = [
		make({ section: 'pairwise', key: 'comparisons', label: 'Comparisons (one per reviewer choice, "both bad" left out)', value: p.comparisons }),
		make({ section: 'pairwise', key: 'both_bad', label: 'Choices "both bad"', value: p.bothBad }),
		make({ section: 'pairwise', key: 'agreement', label: 'Agreeing pairs of choices on an item', value: p.agreement.rate, successes: p.agreement.agreeing, n: p.agreement.pairs, note: `${p.agreement.items} items with two or more choices` })
	];
	for (const r of p.records) {
		const group = `${r.first} vs ${r.second}`;
		for (const [key, label, x] of [
			['wins', `${r.first} preferred`, r.winRate],
			['ties', 'About the same', r.tieRate],
			['losses', `${r.second} preferred`, r.lossRate],
			['decisive_wins', `${r.first} preferred, ties left out`, r.decisiveWinRate]
		] as const) {
			rows.push(make({ section: 'pairwise_record', group, key, label, value: x.proportion, successes: x.successes, n: x.trials, lower: x.lower, upper: x.upper, note: p.clustered ? 'Wilson at the effective sample size, clustered by item' : 'Wilson' }));
		}
	}
	for (const b of p.positionBias) {
		rows.push(make({ section: 'position_bias', group: nameOf(b.reviewerId), key: 'chose_first', label: 'Chose the response shown first (left)', value: b.share, successes: b.choseFirst, n: b.decided, note: `binomial p = ${b.pValue.toPrecision(3)} against 50%${b.flagged ? '; flagged: possible position bias' : ''}` }));
	}
	const bt = p.bradleyTerry;
	if (bt) {
		for (const m of bt.models) {
			rows.push(
				make({
					section: 'bradley_terry',
					group: m.model,
					key: 'strength',
					label: `Bradley–Terry strength (log scale, centred)${m.rank === null ? '' : `, rank ${m.rank}`}`,
					value: m.strength,
					successes: m.wins,
					n: m.comparisons,
					lower: m.lower,
					upper: m.upper,
					note: bt.identifiable ? `${bradleyTerryIntervalsText(bt, 'items')}; wins count ties as halves` : (bt.problem ?? 'no fit')
				})
			);
		}
	}
	return rows;
}

function shapeRateRows(section: string, group: string, label: string, r: ShapeRate): ReportCsvRow[] {
	const m = r.majority;
	return [
		make({ section, group, key: 'majority:low', label: `${label}, item majority (lower)`, value: m.lower.proportion, successes: m.yes, n: r.items, lower: m.lower.lower, upper: m.lower.upper, note: `${m.tied} tied items counted as no; Wilson` }),
		make({ section, group, key: 'majority:high', label: `${label}, item majority (upper)`, value: m.upper.proportion, successes: m.yes + m.tied, n: r.items, lower: m.upper.lower, upper: m.upper.upper, note: `${m.tied} tied items counted as yes; Wilson` }),
		make({ section, group, key: 'label', label: `${label}, label level`, value: r.label.proportion, successes: r.label.successes, n: r.label.trials, lower: r.label.lower, upper: r.label.upper, note: `${r.label.clusters} items; interval clustered by item` })
	];
}

function conversationRows(c: ConversationReport): ReportCsvRow[] {
	const rows = shapeRateRows('conversation', 'all', c.unit === 'conversation' ? 'Conversations judged valid as a whole' : 'Conversations with every reply valid', c.conversations);
	if (c.conversationRatings) for (const level of RATING_KEYS) rows.push(make({ section: 'conversation_rating', key: level, label: `Conversations rated ${level}`, value: c.conversationRatings[level] }));
	for (const p of c.byPosition) {
		rows.push(...shapeRateRows('conversation_reply', `reply ${p.position}`, `Reply ${p.position} valid`, p));
		for (const level of RATING_KEYS) rows.push(make({ section: 'conversation_reply_rating', group: `reply ${p.position}`, key: level, label: `Reply ${p.position} rated ${level}`, value: p.ratings[level] }));
	}
	const agreementLabel = (key: string) => (key === 'reply' ? 'Each reply valid' : c.unit === 'conversation' ? 'Conversation judged valid as a whole' : 'Every reply of the conversation valid');
	rows.push(...agreementRows('conversation_agreement', [c.agreement, ...(c.replyAgreement ? [c.replyAgreement] : [])], agreementLabel));
	return rows;
}

export function comparisonCsvRows(comparison: AuditComparison): ReportCsvRow[] {
	return comparison.rows.flatMap((r) => {
		const { rate: label, group } = comparisonLabels(r);
		// A side whose ties move its count: the lower figure, then a row with the ties counted as yes.
		const spans = (low: typeof r.first, high: typeof r.firstHigh) => !!high && high.successes !== low.successes;
		const tied = (low: typeof r.first, high: typeof r.firstHigh) => (spans(low, high) ? 'tied items counted as no (the next row counts them as yes)' : '');
		const upper = (side: 'first' | 'second', high: typeof r.firstHigh) =>
			high && spans(r[side], high) ? [make({ section: `${r.section}:${side}:high`, group: r.group, key: r.key, label: `${label} (${group}), ${comparison[side].name}, tied items counted as yes`, value: high.proportion, successes: high.successes, n: high.trials, lower: high.lower, upper: high.upper })] : [];
		const ranged = r.difference === null && r.differenceLow != null && r.differenceHigh != null;
		return [
			make({ section: `${r.section}:first`, group: r.group, key: r.key, label: `${label} (${group}), ${comparison.first.name}`, value: r.first.proportion, successes: r.first.successes, n: r.first.trials, lower: r.first.lower, upper: r.first.upper, note: tied(r.first, r.firstHigh) }),
			...upper('first', r.firstHigh),
			make({ section: `${r.section}:second`, group: r.group, key: r.key, label: `${label} (${group}), ${comparison.second.name}`, value: r.second.proportion, successes: r.second.successes, n: r.second.trials, lower: r.second.lower, upper: r.second.upper, note: tied(r.second, r.secondHigh) }),
			...upper('second', r.secondHigh),
			make({
				section: `${r.section}:difference`,
				group: r.group,
				key: r.key,
				label: `${label} (${group}), difference`,
				value: r.difference,
				lower: ranged || r.difference !== null ? r.lower : null,
				upper: ranged || r.difference !== null ? r.upper : null,
				note: ranged ? `first − second, ${r.note}; the interval spans both` : 'first − second, Newcombe hybrid score interval'
			})
		];
	});
}
