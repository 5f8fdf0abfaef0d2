/**
 * JSON numbers a double cannot hold as written (a tweet id 1234567890123456789, a message id past
 * 2^53, 1e400): JSON.parse would turn them into another number (…800, …992, null on the way back),
 * and a kept field would say something the file did not. Such a literal is kept as its source
 * text in a one-key object, `{"$number": "1234567890123456789"}`, which the database stores as
 * JSON and the exports write back as the bare literal (stringifyKeepingNumbers). Every other
 * number is kept by value (`1.0` reads back as `1`, `2.50` as `2.5`).
 *
 * Parsing stays JSON.parse: only a text the cheap pre-check flags (a run of 16 digits, or an
 * exponent of three digits) is scanned for literals, and only one holding such a literal is parsed
 * again with them wrapped.
 */

export const NUMBER_LITERAL_KEY = '$number';

/** A number kept as written: its JSON source text. */
export interface NumberLiteral {
	[NUMBER_LITERAL_KEY]: string;
}

const LITERAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function isNumberLiteral(value: unknown): value is NumberLiteral {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const keys = Object.keys(value);
	if (keys.length !== 1 || keys[0] !== NUMBER_LITERAL_KEY) return false;
	const text = (value as Record<string, unknown>)[NUMBER_LITERAL_KEY];
	return typeof text === 'string' && LITERAL.test(text);
}

/**
 * Whether a text may hold a number a double changes: more than 15 significant digits (16 digits,
 * a point allowed among them) or a three-digit exponent. False positives (digits inside strings)
 * only cost a scan.
 */
const MAY_BE_INEXACT = /\d[\d.]{15}|\d[eE][+-]?\d{3}/;

export function mayHoldInexactNumber(text: string): boolean {
	return MAY_BE_INEXACT.test(text);
}

/** A decimal's value as digits and exponent ("2.50" and "25e-1" → "25e-1"), sign kept; null for Infinity / NaN. */
function decimalValue(text: string): string | null {
	const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
	if (!m) return null;
	let digits = m[2] + (m[3] ?? '');
	let exponent = BigInt(m[4] ?? '0') - BigInt(m[3]?.length ?? 0);
	digits = digits.replace(/^0+/, '');
	if (digits === '') return '0';
	const trailing = digits.length - digits.replace(/0+$/, '').length;
	digits = digits.slice(0, digits.length - trailing);
	exponent += BigInt(trailing);
	return `${m[1]}${digits}e${exponent}`;
}

/** Whether the number JSON.parse gives for this literal writes back as the same value. */
export function isExactNumber(literal: string): boolean {
	const n = Number(literal);
	if (!Number.isFinite(n)) return false;
	return decimalValue(literal) === decimalValue(String(n).replace('e+', 'e'));
}

const NUMBER_AT = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Start and end of every number literal outside strings that a double does not hold as written. */
function inexactLiterals(text: string): [number, number][] {
	const found: [number, number][] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x22) {
			// Skip the string, escapes included.
			for (i++; i < text.length; i++) {
				const s = text.charCodeAt(i);
				if (s === 0x5c) i++;
				else if (s === 0x22) break;
			}
			continue;
		}
		if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
			NUMBER_AT.lastIndex = i;
			const m = NUMBER_AT.exec(text);
			if (!m) continue;
			if (!isExactNumber(m[0])) found.push([i, i + m[0].length]);
			i += m[0].length - 1;
		}
	}
	return found;
}

/**
 * The source text of the number a top-level member of a JSON object text holds ("1e2" for
 * `{"id": 1e2, "meta": {"id": 100}}`), or null when the member is not there or is not a number.
 * Only members of the outer object count: a nested `"id"` with the same value written another
 * way is not taken for it. The text is known to parse, so the scan only tracks strings and depth.
 */
export function memberNumberText(text: string, key: string): string | null {
	let depth = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x22) {
			const start = i;
			for (i++; i < text.length; i++) {
				const s = text.charCodeAt(i);
				if (s === 0x5c) i++;
				else if (s === 0x22) break;
			}
			if (depth !== 1) continue;
			let at = i + 1;
			while (at < text.length && /\s/.test(text[at])) at++;
			// A string followed by ':' at depth 1 is a member name; JSON.parse reads its escapes.
			if (text[at] !== ':' || JSON.parse(text.slice(start, i + 1)) !== key) continue;
			at++;
			while (at < text.length && /\s/.test(text[at])) at++;
			NUMBER_AT.lastIndex = at;
			const m = NUMBER_AT.exec(text);
			return m ? m[0] : null;
		}
		if (c === 0x7b || c === 0x5b) depth++;
		else if (c === 0x7d || c === 0x5d) depth--;
	}
	return null;
}

/**
 * A number as the file wrote it, to be written back the same way: the number itself when it
 * writes back as the same text (11), else the literal kept as written (1e2, 1.0, 9007199254740993).
 */
export function numberAsWritten(text: string): number | NumberLiteral {
	const n = Number(text);
	return Number.isFinite(n) && String(n) === text ? n : { [NUMBER_LITERAL_KEY]: text };
}

/**
 * The value of a JSON text (already known to parse) with every number a double cannot hold as
 * written kept as a NumberLiteral; null when it has none (the caller keeps JSON.parse's value).
 */
export function parseKeepingNumbers(text: string): unknown | null {
	const spans = inexactLiterals(text);
	if (spans.length === 0) return null;
	let out = '';
	let at = 0;
	for (const [start, end] of spans) {
		out += `${text.slice(at, start)}{"${NUMBER_LITERAL_KEY}":"${text.slice(start, end)}"}`;
		at = end;
	}
	return JSON.parse(out + text.slice(at));
}

/**
 * JSON.stringify that writes each NumberLiteral back as the bare literal it was read from, so an
 * export gives the file's number again. A value without one costs a plain JSON.stringify and a
 * substring search.
 */
export function stringifyKeepingNumbers(value: unknown, space?: number): string {
	const plain = JSON.stringify(value, null, space);
	if (plain === undefined || !plain.includes(`"${NUMBER_LITERAL_KEY}"`)) return plain;
	const literals: string[] = [];
	// A marker no string of the value holds (checked below), replaced by each literal in turn.
	const marker = `\u0000number-literal-${Math.random().toString(36).slice(2)}`;
	const text = JSON.stringify(
		value,
		(_key, v: unknown) => {
			if (isNumberLiteral(v)) {
				literals.push(v[NUMBER_LITERAL_KEY]);
				return marker;
			}
			return v;
		},
		space
	);
	const parts = text.split(JSON.stringify(marker));
	if (parts.length !== literals.length + 1) return plain;
	return parts.reduce((out, part, i) => out + literals[i - 1] + part);
}
