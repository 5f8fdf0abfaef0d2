import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { blankIsMissing, parseForm } from './forms';

describe('number fields of forms', () => {
	const schema = z.object({
		threshold: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).min(0).max(1)),
		gold: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).default(10))
	});
	const form = (entries: Record<string, string>) => {
		const f = new FormData();
		for (const [k, v] of Object.entries(entries)) f.set(k, v);
		return f;
	};

	it('an emptied box is missing, not 0: its message, or the default', () => {
		expect(parseForm(schema, form({ threshold: '', gold: '' }))).toMatchObject({ ok: false, errors: { threshold: 'Enter a number.' } });
		expect(parseForm(schema, form({ threshold: '  ', gold: '5' }))).toMatchObject({ ok: false, errors: { threshold: 'Enter a number.' } });
		expect(parseForm(schema, form({ threshold: '0.7', gold: '' }))).toMatchObject({ ok: true, data: { threshold: 0.7, gold: 10 } });
		expect(parseForm(schema, form({ threshold: '0', gold: '0' }))).toMatchObject({ ok: true, data: { threshold: 0, gold: 0 } });
	});
});
