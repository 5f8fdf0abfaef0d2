import { describe, expect, it } from 'vitest';
import { countRows, describeRowDifferences, rowDifferences } from './row-differences';

describe('rowDifferences', () => {
	it('lists the tables whose counts differ, a table missing on one side counting 0', () => {
		expect(rowDifferences({ users: 3, audit_labels: 1, tasks: 5 }, { users: 4, audit_labels: 2, tasks: 5, analysis_cache: 1 })).toEqual([
			{ table: 'analysis_cache', backup: 0, replaced: 1 },
			{ table: 'audit_labels', backup: 1, replaced: 2 },
			{ table: 'users', backup: 3, replaced: 4 }
		]);
		expect(rowDifferences({ users: 1 }, { users: 1 })).toEqual([]);
	});
});

describe('describeRowDifferences', () => {
	it('names what only the replaced database held and where it is kept, and what the backup brought back', () => {
		const differences = rowDifferences({ users: 3, audit_labels: 1, instances: 10, sessions: 0 }, { users: 4, audit_labels: 2, instances: 7, sessions: 5 });
		expect(describeRowDifferences(differences, '/b/instruct-audit-pre-restore-x.db')).toEqual([
			'the replaced database had 1 label, 1 account more than the backup; they are only in /b/instruct-audit-pre-restore-x.db',
			'the backup has 3 instances more than the replaced database (removed since the backup, now back)'
		]);
	});

	it('says nothing when only tables people do not know by name differ', () => {
		expect(describeRowDifferences(rowDifferences({ analysis_cache: 0, sessions: 0 }, { analysis_cache: 4, sessions: 2 }), null)).toEqual([]);
	});
});

describe('countRows', () => {
	it('says one row in the singular, in the app\'s words', () => {
		expect(countRows(1, 'audit_labels')).toBe('1 label');
		expect(countRows(1200, 'instances')).toBe('1,200 instances');
		expect(countRows(2, 'audit_label_ratings')).toBe('2 audit_label_ratings rows');
	});
});
