import { describe, expect, it } from 'vitest';
import { datasetTable } from './paper-tables';

const stats = { instructions: 5000, classification: 0, nonClassification: 0, unknownClassification: 5000, instances: 5000, emptyInputInstances: 3057, avgInstructionWords: 10.1, avgNonEmptyInputWords: 9.7, avgOutputWords: 45.2 };

describe('datasetTable (Table 1)', () => {
	it('says in its caption when it counts only the rows the filters kept', () => {
		expect(datasetTable(stats, 'alpaca_5000').table.caption).toBe('Statistics of the dataset "alpaca_5000"');
		expect(datasetTable({ ...stats, keptOnly: true }, 'alpaca_5000').table.caption).toBe('Statistics of the dataset "alpaca_5000", rows kept by the automatic filters only');
	});

	it('beside a report, reconciles its count with the population the audit was drawn from', () => {
		const notes = datasetTable({ ...stats, auditFrame: { units: 4988, filtered: true } }, 'alpaca_5000').table.notes!;
		expect(notes.at(-1)).toBe(
			"The audit's sample was drawn from 4,988 of these 5,000 instructions, its sampling frame when drawn (without the rows the automatic filters rejected), the population the methods paragraph gives."
		);
		// No note when the audit drew from every instruction the table counts.
		expect(datasetTable({ ...stats, auditFrame: { units: 5000, filtered: false } }, 'alpaca_5000').table.notes).toHaveLength(1);
	});
});
