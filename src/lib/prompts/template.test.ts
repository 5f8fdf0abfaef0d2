import { describe, expect, it } from 'vitest';
import { placeholdersIn, renderTemplate, templateFingerprint, TemplateError, validateTemplate, type PlaceholderSpec } from './template';

const specs: PlaceholderSpec[] = [
	{ name: 'task', required: true, description: 'the task' },
	{ name: 'note', required: false, description: 'an optional note' }
];

describe('placeholdersIn', () => {
	it('lists names in order of first use, spaces inside braces allowed', () => {
		expect(placeholdersIn('A {{task}} B {{ note }} C {{task}}')).toEqual(['task', 'note']);
	});
	it('ignores single braces and escaped doubles', () => {
		expect(placeholdersIn('{"a": 1} and \\{{task}}')).toEqual([]);
	});
});

describe('validateTemplate', () => {
	it('accepts a template using the required placeholders', () => {
		expect(validateTemplate('Task: {{task}}\nAnswer:', specs)).toEqual([]);
	});

	it('reports an unknown placeholder with what the step offers', () => {
		const issues = validateTemplate('Task: {{task}} {{instructions}}', specs);
		expect(issues).toHaveLength(1);
		expect(issues[0]).toMatchObject({ kind: 'unknown_placeholder', placeholder: 'instructions', offset: 15 });
		expect(issues[0].message).toContain('{{task}}, {{note}}');
	});

	it('reports a missing required placeholder', () => {
		expect(validateTemplate('Just text {{note}}', specs)).toEqual([
			expect.objectContaining({ kind: 'missing_placeholder', placeholder: 'task' })
		]);
	});

	it('reports unclosed and badly named placeholders', () => {
		const issues = validateTemplate('{{task}} {{ two words }} then {{oops', specs);
		expect(issues.map((i) => i.kind)).toEqual(['malformed_placeholder', 'malformed_placeholder']);
		expect(issues[1].message).toContain('never closed');
	});

	it('reports an empty template', () => {
		expect(validateTemplate('  \n', specs)[0].kind).toBe('empty_template');
	});
});

describe('renderTemplate', () => {
	it('fills every occurrence and leaves values unread (braces in a value are literal)', () => {
		expect(renderTemplate('{{task}} / {{ task }}', { task: 'Echo {{note}}' }, specs)).toBe('Echo {{note}} / Echo {{note}}');
	});

	it('writes a literal {{ for \\{{', () => {
		expect(renderTemplate('Use \\{{name}} literally: {{task}}', { task: 'x' }, specs)).toBe('Use {{name}} literally: x');
	});

	it('throws TemplateError listing every issue', () => {
		try {
			renderTemplate('{{note}} {{extra}}', { note: 'n' }, specs);
			throw new Error('should throw');
		} catch (err) {
			expect(err).toBeInstanceOf(TemplateError);
			expect((err as TemplateError).issues.map((i) => i.kind).sort()).toEqual(['missing_placeholder', 'unknown_placeholder']);
		}
	});

	it('throws when a used placeholder has no value', () => {
		expect(() => renderTemplate('{{task}}', {})).toThrow('No value for {{task}}');
	});
});

describe('templateFingerprint', () => {
	it('is stable and tells edits apart', () => {
		expect(templateFingerprint('Task: {{task}}')).toBe(templateFingerprint('Task: {{task}}'));
		expect(templateFingerprint('Task: {{task}}')).not.toBe(templateFingerprint('Task:  {{task}}'));
		expect(templateFingerprint('')).toBe('cbf29ce484222325'); // FNV-1a 64 offset basis
		expect(templateFingerprint('a')).toBe('af63dc4c8601ec8c'); // published FNV-1a 64 test vector
	});
});
