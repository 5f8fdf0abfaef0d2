/**
 * A JSON object that names the same field twice ({"output": "a", "output": "b"}) parses without
 * complaint: JSON.parse keeps the last value and the earlier text is gone. An import must not lose
 * what the file holds, so such a record is refused with the field named.
 *
 * The check runs on every imported record, so it is done in two steps: a screen built from native
 * string searches that proves most records clean, and an exact scan for the few it cannot clear.
 */

/** A field written twice in one JSON text. */
export interface RepeatedKey {
	/** The field's place in the record, e.g. `output` or `messages[2].content`. */
	path: string;
	/** Offset in the text of the second occurrence's opening quote. */
	offset: number;
}

const SPACE_BEFORE_COLON = /"\s+:/;

/** How many fields the parsed value holds, counting nested objects' fields too. */
function fieldCount(value: unknown): number {
	if (Array.isArray(value)) {
		let n = 0;
		for (let i = 0; i < value.length; i++) {
			const item: unknown = value[i];
			if (typeof item === 'object' && item !== null) n += fieldCount(item);
		}
		return n;
	}
	const o = value as Record<string, unknown>;
	const keys = Object.keys(o);
	let n = keys.length;
	for (let i = 0; i < keys.length; i++) {
		const v = o[keys[i]];
		if (typeof v === 'object' && v !== null) n += fieldCount(v);
	}
	return n;
}

/**
 * Whether `text` (whose parse is `value`) may name a field twice. false is a proof: a field name
 * written `"name":` puts one '":' in the text, so when the text holds no more of them than the
 * parse holds fields, and no name is spaced from its colon, no field was dropped. true only means
 * the exact scan must decide (a '\":' inside a string value counts too). About 0.3 µs a record.
 */
export function mayRepeatKeys(text: string, value: unknown): boolean {
	let marks = 0;
	// Whether some colon does not follow a quote: only then can a name be spaced from its colon.
	let other = false;
	for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
		if (text.charCodeAt(i - 1) === 0x22 /* " */) marks++;
		else other = true;
	}
	if (marks > (typeof value === 'object' && value !== null ? fieldCount(value) : 0)) return true;
	return other && SPACE_BEFORE_COLON.test(text);
}

interface Frame {
	/** null for an array. */
	keys: Set<string> | null;
	path: string;
	index: number;
	/** The field being read (objects) — its value's path extends the frame's path. */
	key: string;
}

function childPath(frame: Frame): string {
	if (frame.keys === null) return `${frame.path}[${frame.index}]`;
	return frame.path ? `${frame.path}.${frame.key}` : frame.key;
}

/**
 * The first field named twice in the same object of a valid JSON text, or null. Exact: it reads
 * the text token by token (strings decoded, so "a" and "\u0061" are the same name).
 */
export function findRepeatedKey(text: string): RepeatedKey | null {
	const stack: Frame[] = [];
	// Whether the next string in the current object is a field name.
	let expectKey = false;
	const n = text.length;
	for (let i = 0; i < n; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x22 /* " */) {
			const start = i;
			let escaped = false;
			i++;
			while (i < n) {
				const d = text.charCodeAt(i);
				if (d === 0x5c /* \ */) {
					escaped = true;
					i += 2;
					continue;
				}
				if (d === 0x22) break;
				i++;
			}
			const top = stack[stack.length - 1];
			if (expectKey && top && top.keys !== null) {
				const raw = text.slice(start + 1, i);
				const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
				if (top.keys.has(key)) {
					const path = top.path ? `${top.path}.${key}` : key;
					return { path, offset: start };
				}
				top.keys.add(key);
				top.key = key;
				expectKey = false;
			}
			continue;
		}
		if (c === 0x7b /* { */) {
			const parent = stack[stack.length - 1];
			stack.push({ keys: new Set(), path: parent ? childPath(parent) : '', index: 0, key: '' });
			expectKey = true;
		} else if (c === 0x5b /* [ */) {
			const parent = stack[stack.length - 1];
			stack.push({ keys: null, path: parent ? childPath(parent) : '', index: 0, key: '' });
			expectKey = false;
		} else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
			stack.pop();
			expectKey = false;
		} else if (c === 0x2c /* , */) {
			const top = stack[stack.length - 1];
			if (top) {
				if (top.keys === null) top.index++;
				else expectKey = true;
			}
		}
	}
	return null;
}

/** The repeated field of a record, if any: the screen first, the exact scan only when needed. */
export function repeatedKeyOf(text: string, value: unknown): RepeatedKey | null {
	return mayRepeatKeys(text, value) ? findRepeatedKey(text) : null;
}
