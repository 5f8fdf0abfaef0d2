/**
 * A tiny template language for prompts users can edit: `{{name}}` (spaces inside the braces
 * allowed) is replaced by a value; `\{{` writes a literal `{{`. Values are inserted as they are
 * and never re-read as template text, so a task that contains braces is safe.
 */
import type { DecodingParams } from './decoding';

export interface PlaceholderSpec {
	name: string;
	/** Shown in the template editor. */
	description: string;
	/** A template without a required placeholder cannot do its job (e.g. no `{{task}}`). */
	required: boolean;
}

export type TemplateIssueKind = 'unknown_placeholder' | 'missing_placeholder' | 'malformed_placeholder' | 'empty_template';

export interface TemplateIssue {
	kind: TemplateIssueKind;
	message: string;
	placeholder?: string;
	/** Character offset in the template text, when the issue is at a place. */
	offset?: number;
}

export class TemplateError extends Error {
	constructor(readonly issues: TemplateIssue[]) {
		super(issues.map((i) => i.message).join(' '));
		this.name = 'TemplateError';
	}
}

type Piece = { literal: string } | { placeholder: string; offset: number };

const NAME = /^[a-z][a-z0-9_]*$/;

/** Templates scanned lately: a run renders the same few thousands of times. */
const scanned = new Map<string, { pieces: readonly Piece[]; issues: readonly TemplateIssue[] }>();
const SCANNED_KEPT = 32;

/** Split a template into literal text and placeholders; malformed `{{…` are reported. (Callers copy before adding.) */
function scan(text: string): { pieces: readonly Piece[]; issues: readonly TemplateIssue[] } {
	let result = scanned.get(text);
	if (!result) {
		result = scanText(text);
		if (scanned.size >= SCANNED_KEPT) scanned.delete(scanned.keys().next().value!);
		scanned.set(text, result);
	}
	return result;
}

function scanText(text: string): { pieces: Piece[]; issues: TemplateIssue[] } {
	const pieces: Piece[] = [];
	const issues: TemplateIssue[] = [];
	let literal = '';
	let i = 0;
	while (i < text.length) {
		if (text.startsWith('\\{{', i)) {
			literal += '{{';
			i += 3;
			continue;
		}
		if (!text.startsWith('{{', i)) {
			literal += text[i];
			i++;
			continue;
		}
		const close = text.indexOf('}}', i + 2);
		const nextOpen = text.indexOf('{{', i + 2);
		if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
			issues.push({
				kind: 'malformed_placeholder',
				offset: i,
				message: `"{{" at character ${i + 1} is never closed with "}}" (write \\{{ for literal braces).`
			});
			literal += '{{';
			i += 2;
			continue;
		}
		const name = text.slice(i + 2, close).trim();
		if (!NAME.test(name)) {
			issues.push({
				kind: 'malformed_placeholder',
				offset: i,
				placeholder: name,
				message: `"{{${text.slice(i + 2, close)}}}" at character ${i + 1} is not a placeholder name (use lower-case letters, digits and _).`
			});
			literal += text.slice(i, close + 2);
			i = close + 2;
			continue;
		}
		if (literal) pieces.push({ literal });
		literal = '';
		pieces.push({ placeholder: name, offset: i });
		i = close + 2;
	}
	if (literal) pieces.push({ literal });
	return { pieces, issues };
}

/** Placeholder names used in the text, in order of first use. */
export function placeholdersIn(text: string): string[] {
	const names: string[] = [];
	for (const p of scan(text).pieces) {
		if ('placeholder' in p && !names.includes(p.placeholder)) names.push(p.placeholder);
	}
	return names;
}

/** Every problem with a template for the given placeholders; empty when it is usable. */
export function validateTemplate(text: string, specs: readonly PlaceholderSpec[]): TemplateIssue[] {
	if (text.trim() === '') return [{ kind: 'empty_template', message: 'The template is empty.' }];
	const { pieces } = scan(text);
	const issues = [...scan(text).issues];
	const known = new Set(specs.map((s) => s.name));
	const used = new Set<string>();
	for (const p of pieces) {
		if (!('placeholder' in p)) continue;
		used.add(p.placeholder);
		if (!known.has(p.placeholder)) {
			issues.push({
				kind: 'unknown_placeholder',
				placeholder: p.placeholder,
				offset: p.offset,
				message: `Unknown placeholder {{${p.placeholder}}}; this step offers ${specs.map((s) => `{{${s.name}}}`).join(', ') || 'none'}.`
			});
		}
	}
	for (const s of specs) {
		if (s.required && !used.has(s.name)) {
			issues.push({
				kind: 'missing_placeholder',
				placeholder: s.name,
				message: `The template must contain {{${s.name}}} (${s.description}).`
			});
		}
	}
	return issues;
}

/**
 * Fill a template. Throws TemplateError when the template is invalid for `specs` or a used
 * placeholder has no value.
 */
export function renderTemplate(
	text: string,
	values: Readonly<Record<string, string>>,
	specs?: readonly PlaceholderSpec[]
): string {
	const issues = specs ? validateTemplate(text, specs) : [...scan(text).issues];
	const { pieces } = scan(text);
	for (const p of pieces) {
		if ('placeholder' in p && values[p.placeholder] === undefined && !issues.some((i) => i.placeholder === p.placeholder)) {
			issues.push({
				kind: 'missing_placeholder',
				placeholder: p.placeholder,
				offset: p.offset,
				message: `No value for {{${p.placeholder}}}.`
			});
		}
	}
	if (issues.length) throw new TemplateError(issues);
	return pieces.map((p) => ('literal' in p ? p.literal : values[p.placeholder])).join('');
}

/**
 * Short stable fingerprint of a template text (FNV-1a, 64-bit, hex), stored with each call so
 * a run records exactly which wording produced a candidate even after the template is edited.
 */
export function templateFingerprint(text: string): string {
	let hash = 0xcbf29ce484222325n;
	const prime = 0x100000001b3n;
	const mask = 0xffffffffffffffffn;
	for (const byte of new TextEncoder().encode(text)) {
		hash ^= BigInt(byte);
		hash = (hash * prime) & mask;
	}
	return hash.toString(16).padStart(16, '0');
}

/** A prompt step of any run (a generation pipeline's or the judge's): its default wording and how it is decoded. */
export interface PromptStepSpec<Id extends string> {
	id: Id;
	title: string;
	/** What the step asks of the model, for the template editor. */
	description: string;
	defaultTemplate: string;
	/** Bumped when we change the default wording. */
	defaultVersion: number;
	placeholders: readonly PlaceholderSpec[];
	decoding: Readonly<DecodingParams>;
}

/** What a run stores about the template it used for a step. */
export interface StepTemplateUse<Id extends string> {
	stepId: Id;
	text: string;
	fingerprint: string;
	/** True when the text is the shipped default. */
	isDefault: boolean;
	defaultVersion: number;
}

export function stepTemplateUse<Id extends string>(step: PromptStepSpec<Id>, text: string = step.defaultTemplate): StepTemplateUse<Id> {
	return { stepId: step.id, text, fingerprint: templateFingerprint(text), isDefault: text === step.defaultTemplate, defaultVersion: step.defaultVersion };
}
