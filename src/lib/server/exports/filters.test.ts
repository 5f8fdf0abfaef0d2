import { describe, expect, it } from 'vitest';
import { ExportFilterError, parseWhere, whereClauses } from './filters';

describe('parseWhere', () => {
	it('reads a yes/no filter given alone as yes', () => {
		expect(parseWhere(['kept', 'all-yes', 'agreed', 'not-rejected'])).toEqual({ kept: 'yes', allYes: true, agreed: true, notRejected: true });
	});

	it.each(['all-yes=no', 'valid=no', 'agreed=no', 'not-rejected=no', 'judge-valid=false'])('refuses %s rather than dropping the filter', (clause) => {
		const key = clause.split('=')[0];
		expect(() => parseWhere([clause, 'judge-run=1'])).toThrow(ExportFilterError);
		expect(() => parseWhere([clause, 'judge-run=1'])).toThrow(`${key} can only be yes`);
	});

	it('reads a list given in another order as the same filter', () => {
		expect(parseWhere(['origin=seed,imported', 'origin=imported,seed'])).toEqual({ origins: ['imported', 'seed'] });
		expect(parseWhere(['audit=4,2', 'audit=2,4'])).toEqual({ audits: [2, 4] });
	});

	it('still accepts =no where it has a meaning', () => {
		expect(parseWhere(['kept=no', 'audited=no', 'classification=no'])).toEqual({ kept: 'no', audited: 'no', classification: 'no' });
	});

	it.each([
		[['audited=yes', 'audited=no']],
		[['kept', 'kept=no']],
		[['kept', 'rejected']],
		[['input=empty', 'input=nonempty']],
		[['not-rejected', 'kept=no']],
		[['kept=no', 'not-rejected']],
		[['audit=1', 'audit=2']],
		[['judge-run=1', 'judge-run=2']]
	])('refuses a key repeated with a different value: %j', (clauses) => {
		expect(() => parseWhere(clauses)).toThrow(/contradicts --where .*give each one once/);
	});

	it('accepts an identical repeat', () => {
		expect(parseWhere(['kept', 'kept=yes', 'not-rejected', 'audit=2,1', 'audit=1,2'])).toEqual({ kept: 'yes', notRejected: true, audits: [1, 2] });
	});

	it('reads its own clauses back to the same filters', () => {
		const filters = parseWhere(['not-rejected', 'audit=3', 'all-yes', 'agreed', 'audited=yes', 'judge-run=4', 'judge-valid', 'input=empty']);
		expect(parseWhere(whereClauses(filters))).toEqual(filters);
	});
});
