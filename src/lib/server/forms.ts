import { z } from 'zod';

export type FieldErrors = Record<string, string>;

/**
 * A number field whose box may be left empty: empty is missing (its message, or the schema's
 * default), never 0 — z.coerce.number turns '' into 0, which once ran the ROUGE-L filter at
 * threshold 0 when the box was cleared.
 */
export function blankIsMissing<T extends z.ZodType>(schema: T) {
	return z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);
}

/**
 * The submitted values a failed form action sends back to refill its fields: only the fields
 * named, as text. An allow-list on purpose — a field not named here (an API key, a password, a
 * field added later) is never echoed to the browser.
 */
export function echoValues(form: FormData, fields: readonly string[]): Record<string, string> {
	const values: Record<string, string> = {};
	for (const key of fields) {
		const value = form.get(key);
		if (typeof value === 'string') values[key] = value;
	}
	return values;
}

/**
 * Validates a submitted form against a zod schema. Returns the data, or the first message per
 * field so a page can show it next to the control (`fail(400, { errors, values })`). `values`
 * holds only the fields listed in `echo` (see echoValues).
 */
export function parseForm<T extends z.ZodType>(
	schema: T,
	form: FormData,
	echo: readonly string[] = []
): { ok: true; data: z.infer<T>; values: Record<string, string> } | { ok: false; errors: FieldErrors; values: Record<string, string> } {
	const values = echoValues(form, echo);
	const raw: Record<string, unknown> = {};
	for (const key of new Set(form.keys())) {
		const all = form.getAll(key).filter((v): v is string => typeof v === 'string');
		raw[key] = all.length > 1 ? all : all[0];
	}
	const result = schema.safeParse(raw);
	if (result.success) return { ok: true, data: result.data, values };
	const errors: FieldErrors = {};
	for (const issue of result.error.issues) {
		const key = issue.path.join('.') || 'form';
		errors[key] ??= issue.message;
	}
	return { ok: false, errors, values };
}

/** A checkbox arrives as "on" when ticked and is absent otherwise. */
export const checkbox = z
	.union([z.literal('on'), z.literal('true'), z.literal('1'), z.literal('')])
	.optional()
	.transform((v) => v === 'on' || v === 'true' || v === '1');
