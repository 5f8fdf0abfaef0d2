/**
 * A small JSON Schema checker for the keywords the repository's schemas use (type, const, enum,
 * required, properties, additionalProperties: false, items, $ref to #/$defs, oneOf, minimum,
 * maximum, exclusive bounds, pattern). Returns the errors, each with its JSON path.
 */
type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value;
}

export function validate(root: Schema, value: unknown): string[] {
	const errors: string[] = [];
	const check = (schema: Schema, v: unknown, at: string) => {
		if (typeof schema.$ref === 'string') {
			const name = schema.$ref.replace('#/$defs/', '');
			return check((root.$defs as Record<string, Schema>)[name], v, at);
		}
		if (schema.oneOf) {
			const passing = (schema.oneOf as Schema[]).filter((s) => validate({ ...root, ...s, $defs: root.$defs }, v).length === 0);
			if (passing.length !== 1) errors.push(`${at}: matches ${passing.length} of oneOf`);
			return;
		}
		if ('const' in schema && v !== schema.const) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
		if (schema.enum && !(schema.enum as unknown[]).includes(v)) errors.push(`${at}: ${JSON.stringify(v)} not in enum`);
		if (schema.type) {
			const types = ([] as string[]).concat(schema.type as string | string[]);
			const t = typeOf(v);
			if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) errors.push(`${at}: type ${t}, expected ${types.join('|')}`);
		}
		if (typeof v === 'number') {
			if (typeof schema.minimum === 'number' && v < schema.minimum) errors.push(`${at}: below minimum`);
			if (typeof schema.maximum === 'number' && v > schema.maximum) errors.push(`${at}: above maximum`);
			if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) errors.push(`${at}: not above exclusiveMinimum`);
			if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) errors.push(`${at}: not below exclusiveMaximum`);
		}
		if (typeof v === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(v)) errors.push(`${at}: does not match ${schema.pattern}`);
		if (v && typeof v === 'object' && !Array.isArray(v)) {
			const obj = v as Record<string, unknown>;
			for (const key of (schema.required as string[]) ?? []) if (!(key in obj)) errors.push(`${at}: missing ${key}`);
			const props = (schema.properties as Record<string, Schema>) ?? {};
			for (const [key, child] of Object.entries(obj)) {
				if (props[key]) check(props[key], child, `${at}.${key}`);
				else if (schema.additionalProperties === false) errors.push(`${at}: unexpected ${key}`);
			}
		}
		if (Array.isArray(v) && schema.items) v.forEach((item, i) => check(schema.items as Schema, item, `${at}[${i}]`));
	};
	check(root, value, '$');
	return errors;
}
