/**
 * A quality judge run's calibration against an audit as a paper prints it (src/lib/tables'
 * PaperTable): the judge against the final human labels per question, and the whole-dataset
 * estimate beside the audit alone — the same figures, in the same order (the tie range first),
 * as the report page and `report --judge`. For `report --judge --latex|--markdown|--csv`. Pure.
 */
import type { PaperTable } from '$lib/tables';
import { coefficient, interval, judgeKappaNote, percent } from '$lib/reports/format';
import { levelText } from '$lib/reports/paper-tables';
import type { PpiEstimate } from '$lib/stats/ppi';
import type { CalibratedQuestion, QualityCalibration } from './calibration';
import { estimatePopulationText, headlineFallback, judgeAddsNothingText, judgedLine, tiedItemsNote, tieRangeTexts } from './wording';

/** What the tables read of a quality calibration (the server's JudgeAuditCalibration has it all). */
export interface JudgeTableInput {
	auditId: number;
	run: { id: number; model: string };
	/** The run's model(s) as the report names them. */
	modelText: string;
	items: number;
	decidedItems: number;
	judgedItems: number;
	unreadableItems: number;
	calibration: QualityCalibration;
	estimate: PpiEstimate | null;
	tieRange: { tiedItems: number; tiesAsNo: PpiEstimate; tiesAsYes: PpiEstimate } | null;
	estimateNote: string | null;
	population: { tasks: number; rows: number; unparsedRows: number };
}

export interface JudgePaperTable {
	id: 'judge' | 'judge-estimate';
	title: string;
	table: PaperTable;
}

const QUESTIONS: ReadonlyArray<[CalibratedQuestion, string]> = [
	['instruction', 'Instruction valid'],
	['input', 'Input appropriate'],
	['output', 'Output correct'],
	['allValid', 'All three valid']
];

/** The judge's calibration table and, when there is one, the whole-dataset estimate's. */
export function judgePaperTables(j: JudgeTableInput): JudgePaperTable[] {
	const confidence = j.calibration.allValid.agreement.confidence;
	const level = levelText(confidence);
	const kappaNotes = QUESTIONS.map(([key, label]) => {
		const note = judgeKappaNote(j.calibration[key].kappaInterval);
		return note ? `${label}: κ not informative — ${note}.` : null;
	}).filter((n): n is string => n !== null);
	const tables: JudgePaperTable[] = [
		{
			id: 'judge',
			title: 'Judge against the final human labels',
			table: {
				caption: `Model judge (${j.modelText}, judge run ${j.run.id}) against the final human labels of audit ${j.auditId}`,
				label: 'tab:judge',
				columns: [
					{ heading: 'Question', align: 'left' },
					{ heading: 'Pairs', align: 'right' },
					{ heading: 'Agreement', align: 'right' },
					{ heading: "Cohen's κ", align: 'right' },
					{ heading: 'TP / FN / FP / TN', align: 'right' },
					{ heading: 'Sensitivity', align: 'right' },
					{ heading: 'Specificity', align: 'right' },
					{ heading: 'Precision', align: 'right' }
				],
				rows: QUESTIONS.map(([key, label]) => {
					const c = j.calibration[key];
					const k = c.kappaInterval;
					return [
						label,
						String(c.pairs),
						`${percent(c.agreement.proportion)} ${interval(c.agreement.lower, c.agreement.upper)}`,
						`${coefficient(k.kappa)}${k.lower !== null && k.upper !== null ? ` [${coefficient(k.lower)}, ${coefficient(k.upper)}]` : ''}`,
						`${c.confusion.truePositives} / ${c.confusion.falseNegatives} / ${c.confusion.falsePositives} / ${c.confusion.trueNegatives}`,
						percent(c.sensitivity.proportion),
						percent(c.specificity.proportion),
						percent(c.precision.proportion)
					];
				}),
				notes: [
					`${judgedLine(j.judgedItems, j.items, j.unreadableItems, 'items', 'verdict')}; the final human label is the reference and "valid" the positive class; items without a readable judge verdict or a final label are left out of the pairs.`,
					`${level} Wilson score intervals for agreement; κ with its asymptotic interval (Fleiss, Cohen & Everitt 1969).`,
					...kappaNotes
				]
			}
		}
	];
	const e = j.estimate;
	if (!e || e.estimate === null) {
		if (j.estimateNote) tables[0].table.notes!.push(`No whole-dataset estimate: ${j.estimateNote}`);
		return tables;
	}
	const tr = j.tieRange;
	const fallback = headlineFallback(e, tr);
	const ranges = tr ? tieRangeTexts(tr) : null;
	const n = e.auditedRows + (tr?.tiedItems ?? 0);
	const rows: string[][] = [
		[fallback ? 'Judge + audit: the audit alone (the judge adds nothing)' : `Judge + audit (${e.method === 'ppi++' ? 'PPI++' : 'PPI'})`, ranges ? ranges.ppi : `${percent(e.estimate)} ${interval(e.lower, e.upper)}`, String(n)],
		['Audit only', ranges ? ranges.human : `${percent(e.humanOnly.proportion)} ${interval(e.humanOnly.lower, e.humanOnly.upper)}`, String(n)],
		['Judge alone (uncorrected)', percent(e.judgeRate), '—']
	];
	if (tr) rows.push([`Judge + audit, the tied items left out${e.fallback ? ' (the audit alone)' : ''}`, `${percent(e.estimate)} ${interval(e.lower, e.upper)}`, String(e.auditedRows)]);
	tables.push({
		id: 'judge-estimate',
		title: 'Whole-dataset correctness with the judge',
		table: {
			caption: `Whole-dataset correctness (all three questions yes): judge run ${j.run.id} corrected by audit ${j.auditId}`,
			label: 'tab:judge-estimate',
			columns: [
				{ heading: 'Estimate', align: 'left' },
				{ heading: 'All valid', align: 'right' },
				{ heading: 'n', align: 'right' }
			],
			rows,
			notes: [
				...(tr ? [tiedItemsNote(j.decidedItems + tr.tiedItems, tr.tiedItems)] : []),
				...(fallback && fallback !== 'no-audit' ? [`The judge adds nothing here: ${judgeAddsNothingText(fallback)}.`] : []),
				`${estimatePopulationText(e.design, j.population)}; λ = ${coefficient(e.lambda)}${!fallback && e.effectiveSampleSize !== null ? `; worth ${Math.round(e.effectiveSampleSize)} human labels against ${e.auditedRows} audited` : ''}.`,
				`Method: ${e.description} The audit-only interval is the estimate's at λ = 0 (the same variance form).`
			]
		}
	});
	return tables;
}
