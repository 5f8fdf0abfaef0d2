import { describe, expect, it } from 'vitest';
import { requiredRole } from './access';

describe('requiredRole', () => {
	it('maps each area to its role', () => {
		expect(requiredRole('/login')).toBe('public');
		expect(requiredRole('/admin/users')).toBe('admin');
		expect(requiredRole('/datasets')).toBe('researcher');
		expect(requiredRole('/datasets/3/tasks/9')).toBe('researcher');
		expect(requiredRole('/api/datasets/import')).toBe('researcher');
		expect(requiredRole('/review')).toBe('reviewer');
		expect(requiredRole('/')).toBe('reviewer');
	});
	it('does not let a prefix match a longer word', () => {
		expect(requiredRole('/loginx')).toBe('reviewer');
		expect(requiredRole('/datasetsfoo')).toBe('reviewer');
		expect(requiredRole('/setup-other')).toBe('reviewer');
	});
});
