/**
 * Reports kept by the report thread between requests. A report is a pure function of its request
 * (the loaded audit and the options, latent-truth results kept included), and at 100,000 labels
 * computing it takes over a second while fingerprinting the request takes a few tens of
 * milliseconds. So the thread keeps its last few replies under a fingerprint of every value in
 * the request: a page viewed again over unchanged labels is answered from it, and any changed
 * value — a label, an adjudication, a name, an option — is a different key and a new report.
 */
import { Fingerprint } from './latent-memo';
import type { ReportInput } from './types';

/** Replies kept: a few audits' pages viewed in turn. */
export const KEPT_REPORTS = 3;

// Tags keep values of different types apart (1 and "1", [] and {}, null and undefined).
const NULL = -1;
const UNDEFINED = -2;
const FALSE = -3;
const TRUE = -4;
const NUMBER = -5;
const STRING = -6;
const ARRAY = -7;
const OBJECT = -8;
const OBJECT_END = -9;

/** Adds every value of a JSON-like structure (objects by their own keys, in order) to `f`. */
export function addValue(f: Fingerprint, value: unknown): void {
	switch (typeof value) {
		case 'number':
			f.word(NUMBER);
			f.number(value);
			return;
		case 'string':
			f.word(STRING);
			f.text(value);
			return;
		case 'boolean':
			f.word(value ? TRUE : FALSE);
			return;
		case 'undefined':
			f.word(UNDEFINED);
			return;
		case 'object':
			break;
		default:
			throw new Error(`A report request holds a ${typeof value}, which cannot be fingerprinted.`);
	}
	if (value === null) {
		f.word(NULL);
	} else if (Array.isArray(value)) {
		f.word(ARRAY);
		f.word(value.length);
		for (const v of value) addValue(f, v);
	} else {
		f.word(OBJECT);
		for (const key in value) {
			if (!Object.hasOwn(value, key)) continue;
			f.word(keyCode(key));
			addValue(f, (value as Record<string, unknown>)[key]);
		}
		f.word(OBJECT_END);
	}
}

/**
 * A property name as one word (its own fingerprint, computed once per name): objects by the
 * hundred thousand share a handful of names, and hashing each name's characters every time
 * doubled the cost.
 */
const keyCodes = new Map<string, number>();
function keyCode(key: string): number {
	let code = keyCodes.get(key);
	if (code === undefined) {
		// Non-negative 31-bit: never one of the tags above.
		code = parseInt(new Fingerprint().text(key).hex().slice(0, 8), 16) >>> 1;
		// Names are a fixed handful, but maps keyed by data (kept results by fingerprint) add new ones.
		if (keyCodes.size >= 10_000) keyCodes.clear();
		keyCodes.set(key, code);
	}
	return code;
}

/** The fingerprint of a whole request. */
export function requestFingerprint(request: unknown): string {
	const f = new Fingerprint();
	addValue(f, request);
	return f.hex();
}

const ROWS = -10;

/** Each item's and label's own fingerprint, kept with the object (inputs are never changed). */
const rowDigests = new WeakMap<object, [number, number]>();
function rowDigest(row: object): [number, number] {
	let digest = rowDigests.get(row);
	if (digest === undefined) {
		const f = new Fingerprint();
		addValue(f, row);
		rowDigests.set(row, (digest = f.digest()));
	}
	return digest;
}

/**
 * An audit's input by every value in it, as requestFingerprint takes a request, but each item and
 * label by a fingerprint of its own kept with its object. A report thread's input after one label
 * changed shares every other item and label object with the input before (its loader reads only
 * what changed), so fingerprinting it goes over 100,000 kept digests, not their 8 million words:
 * 0.09 s → ~0.01 s.
 */
export function reportInputFingerprint(input: ReportInput): string {
	const f = new Fingerprint();
	addValue(f, { ...input, items: null, labels: null });
	for (const rows of [input.items, input.labels] as const) {
		f.word(ROWS);
		f.word(rows.length);
		for (const row of rows) {
			const [a, b] = rowDigest(row);
			f.word(a | 0);
			f.word(b | 0);
		}
	}
	return f.hex();
}

/** The last few replies, by request fingerprint, the most recently used last. */
export class ReportMemo<T> {
	private kept = new Map<string, T>();

	constructor(private size = KEPT_REPORTS) {}

	get(key: string): T | undefined {
		const found = this.kept.get(key);
		if (found !== undefined) {
			this.kept.delete(key);
			this.kept.set(key, found);
		}
		return found;
	}

	set(key: string, value: T): void {
		this.kept.delete(key);
		this.kept.set(key, value);
		while (this.kept.size > this.size) this.kept.delete(this.kept.keys().next().value!);
	}
}
