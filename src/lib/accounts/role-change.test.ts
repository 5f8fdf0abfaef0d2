import { describe, expect, it } from 'vitest';
import { roleChangedMessage, withArticle } from './role-change';

describe('roleChangedMessage', () => {
	it('says whose role and to what, with the right article', () => {
		expect(roleChangedMessage('a@x.org', 'admin')).toBe('a@x.org is now an admin.');
		expect(roleChangedMessage('r@x.org', 'reviewer')).toBe('r@x.org is now a reviewer.');
		expect(withArticle('researcher')).toBe('a researcher');
	});

	it('tells an administrator who gave up the role that the Admin pages are closed to them', () => {
		expect(roleChangedMessage('me@x.org', 'reviewer', true)).toBe('You (me@x.org) are now a reviewer: the Admin pages are closed to you from now on.');
	});
});
