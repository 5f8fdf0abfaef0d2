import { describe, expect, it } from 'vitest';
import { majorityLabel } from '$lib/stats';
import { createRng } from '$lib/random';
import { allYes, categoryOf, qualityVerdict, type BinaryVerdict, type QualityItemVerdict } from './verdicts';
import type { ErrorReason, QualityCategory, ReportAdjudication, ReportLabel } from './types';

/** One yes/no judgement as the verdict's definition reads: the adjudicated answer, else the plurality of the answers given. */
function judgement(values: ReadonlyArray<boolean | null>, adjudicated: boolean | null): BinaryVerdict {
	const yes = values.filter((v) => v === true).length;
	const no = values.filter((v) => v === false).length;
	if (adjudicated !== null) return { value: adjudicated, yes, no, tie: false };
	const majority = majorityLabel(values);
	return { value: majority.kind === 'majority' ? majority.label : null, yes, no, tie: majority.kind === 'tie' };
}

/** qualityVerdict written out from its definition, one plurality vote per judgement. */
function definition(itemId: number, labels: ReportLabel[], adjudication: ReportAdjudication | null): QualityItemVerdict {
	const instruction = judgement(labels.map((l) => l.instructionValid), adjudication?.instructionValid ?? null);
	const input = judgement(labels.map((l) => l.inputValid), adjudication?.inputValid ?? null);
	const output = judgement(labels.map((l) => l.outputValid), adjudication?.outputValid ?? null);
	const questions = [instruction, input, output];
	const settled = questions.some((v) => v.value === false) ? false : questions.every((v) => v.value === true) ? true : null;
	const allValid = judgement(labels.map(allYes), adjudication ? settled : null);
	let category: QualityCategory | null = null;
	let reasonTie = false;
	const adjudicatedAll = adjudication ? allYes(adjudication) : null;
	if (adjudication && adjudicatedAll !== null && allValid.value === adjudicatedAll) category = categoryOf(adjudication);
	else if (allValid.value === true) category = 'correct';
	else if (allValid.value === false) {
		const majority = majorityLabel(labels.filter((l) => allYes(l) === false).map((l) => l.errorReason ?? 'other'));
		if (majority.kind === 'majority') category = majority.label;
		else reasonTie = majority.kind === 'tie';
	}
	const ties = (['instruction', 'input', 'output', 'allValid'] as const).filter((key) => ({ instruction, input, output, allValid })[key].tie);
	const open = category === null && (allValid.tie || reasonTie);
	const given = labels.map(categoryOf).filter((c): c is QualityCategory => c !== null && (allValid.tie || c !== 'correct'));
	return {
		itemId,
		labels: labels.length,
		basis: adjudication ? 'adjudicated' : labels.length === 0 ? 'none' : labels.length === 1 ? 'single' : 'majority',
		adjudicated: !!adjudication,
		instruction,
		input,
		output,
		allValid,
		category,
		tiedCategories: open ? [...new Set(given)] : [],
		ties: reasonTie ? [...ties, 'reason'] : ties,
		disagreement: new Set(labels.map(categoryOf)).size > 1 || questions.some((v) => v.yes > 0 && v.no > 0)
	};
}

describe('qualityVerdict', () => {
	it('gives what its definition gives (plurality per judgement, adjudication first) on 20,000 random items', () => {
		const random = createRng(16);
		const answer = () => {
			const x = random();
			return x < 0.45 ? true : x < 0.85 ? false : null;
		};
		const reasons: (ErrorReason | null)[] = [null, 'incomprehensible_instruction', 'input_mismatch', 'incorrect_output', 'other'];
		const reason = () => reasons[Math.floor(random() * reasons.length)];
		let ties = 0;
		let adjudicated = 0;
		let disagreements = 0;
		for (let t = 0; t < 20_000; t++) {
			const labels = Array.from(
				{ length: Math.floor(random() * 6) },
				(_, k): ReportLabel => ({
					id: k + 1,
					itemId: 1,
					reviewerId: k + 1,
					instructionValid: answer(),
					inputValid: answer(),
					outputValid: answer(),
					errorReason: reason(),
					preference: null,
					durationMs: 0,
					activeMs: 0,
					submittedAt: '2026-01-01T00:00:00.000Z',
					ratings: []
				})
			);
			const adjudication: ReportAdjudication | null =
				random() < 0.2 ? ({ itemId: 1, instructionValid: answer(), inputValid: answer(), outputValid: answer(), errorReason: reason() } as ReportAdjudication) : null;
			const verdict = qualityVerdict(1, labels, adjudication);
			expect(verdict).toStrictEqual(definition(1, labels, adjudication));
			if (verdict.ties.length > 0) ties++;
			if (verdict.adjudicated) adjudicated++;
			if (verdict.disagreement) disagreements++;
		}
		// Every kind of item occurred often.
		expect(ties).toBeGreaterThan(2_000);
		expect(adjudicated).toBeGreaterThan(2_000);
		expect(disagreements).toBeGreaterThan(5_000);
	});
});
