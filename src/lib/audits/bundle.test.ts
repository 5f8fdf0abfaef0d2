import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, BundleFormatError, BundleReader, firstAnswerAsSent } from './bundle';
import { verdictFromChoice } from './order';

const header = {
	type: 'audit-bundle',
	format: BUNDLE_FORMAT,
	version: 1,
	exportedAt: '2024-05-01T10:00:00.000Z',
	appVersion: '0.1.0',
	dataset: { name: 'seeds' },
	audit: {
		name: 'Pilot',
		kind: 'quality',
		status: 'open',
		sampleSize: 2,
		seed: 7,
		instanceMode: 'one',
		stratify: 'none',
		includeRejected: false,
		models: null,
		overlap: 1,
		blind: true,
		leaseSeconds: 1800,
		guidelines: '',
		goldRate: 0,
		createdAt: '2024-05-01T09:00:00.000Z',
		closedAt: null
	}
};
const reviewer = { type: 'reviewer', email: 'Ana@Example.org', name: 'Ana', addedAt: '2024-05-01T09:00:00.000Z', removedAt: null };
const item = (position: number) => ({ type: 'item', position, isGold: false, stratum: null, shuffleKey: 12345, instruction: `Do ${position}.`, input: '', output: 'done', responses: [] });
const label = {
	type: 'label',
	item: 0,
	reviewer: 'ana@example.org',
	instructionValid: true,
	inputValid: true,
	outputValid: false,
	errorReason: 'incorrect_output',
	ratings: [],
	comment: '',
	durationMs: 4000,
	activeMs: 3000,
	submittedAt: '2024-05-01T09:10:00.000Z',
	updatedAt: '2024-05-01T09:10:00.000Z',
	revision: 1
};
const end = (counts: Partial<Record<string, number>> = {}) => ({
	type: 'end',
	counts: { reviewers: 1, items: 2, gold: 0, labels: 1, skips: 0, adjudications: 0, ...counts }
});

function read(records: unknown[]) {
	const reader = new BundleReader();
	records.forEach((r, i) => reader.push(typeof r === 'string' ? r : JSON.stringify(r), i + 1));
	return reader.finish();
}

function failure(records: unknown[]): BundleFormatError {
	try {
		read(records);
	} catch (err) {
		expect(err).toBeInstanceOf(BundleFormatError);
		return err as BundleFormatError;
	}
	throw new Error('expected the bundle to be refused');
}

describe('BundleReader', () => {
	it('reads a bundle into its parts, emails lower-cased', () => {
		const bundle = read([header, reviewer, item(0), item(1), label, end()]);
		expect(bundle.header.audit.name).toBe('Pilot');
		expect(bundle.reviewers.map((r) => r.email)).toEqual(['ana@example.org']);
		expect(bundle.items.map((i) => i.position)).toEqual([0, 1]);
		expect(bundle.labels).toHaveLength(1);
	});

	it('refuses a file that is not a bundle, naming the line', () => {
		expect(failure([{ instruction: 'x' }]).message).toBe('line 1: the first line must be the bundle header ({"type":"audit-bundle",…}); this is not an audit bundle');
		expect(failure([header, 'not json']).message).toBe('line 2: not valid JSON');
		expect(failure([header, { type: 'vote' }]).message).toBe('line 2, type: unknown record type "vote"');
		expect(failure([{ ...header, version: 4 }]).field).toBe('version');
	});

	it('says which bundle versions it reads when it cannot read one (it said only "version: Invalid input")', () => {
		expect(failure([{ ...header, version: 99 }]).message).toBe(
			'line 1, version: bundle version 99 is not supported; this app reads versions 1–3 (the bundle was written by a newer version of the app: update this one, or export it from an installation of this version)'
		);
		expect(failure([{ ...header, version: 0 }]).message).toBe('line 1, version: bundle version 0 is not supported; this app reads versions 1–3');
		expect(failure([{ ...header, version: undefined }]).message).toBe('line 1, version: bundle version null is not supported; this app reads versions 1–3');
	});

	it('reads version 3 records of pairwise and conversation audits: preferences, conversations and per-turn verdicts', () => {
		const conversation = { sourceId: 'c1', turns: [{ role: 'user', content: 'Hi', sourceRole: null, name: null }, { role: 'assistant', content: 'Hello', sourceRole: 'gpt', name: null }] };
		const chat = { ...header, version: 3, audit: { ...header.audit, kind: 'conversation', conversationUnit: 'turn' } };
		const read1 = read([chat, reviewer, { ...item(0), conversation }, { ...item(1), conversation }, { ...label, turns: [{ position: 1, valid: false, rating: 'C' }] }, end({ archivedLabels: 0 })]);
		expect(read1.header.audit).toMatchObject({ kind: 'conversation', conversationUnit: 'turn' });
		expect(read1.items[0].conversation).toEqual(conversation);
		expect(read1.labels[0].turns).toEqual([{ position: 1, valid: false, rating: 'C' }]);
		const pairs = { ...header, version: 3, audit: { ...header.audit, kind: 'pairwise' } };
		expect(read([pairs, reviewer, { ...item(0), prompt: 'Do 0.' }, item(1), { ...label, preference: 'both_bad' }, end({ archivedLabels: 0 })]).labels[0].preference).toBe('both_bad');
		expect(failure([pairs, reviewer, item(0), item(1), { ...label, preference: 'left' }]).field).toBe('preference');
		expect(failure([chat, reviewer, item(0), item(1), { ...label, turns: [{ position: 1, valid: 'yes', rating: 'A' }] }]).field).toBe('turns.0.valid');
		expect(failure([chat, reviewer, { ...item(0), conversation: { ...conversation, turns: [{ role: 'robot', content: '', sourceRole: null, name: null }] } }]).field).toBe('conversation.turns.0.role');
	});

	it('checks each record against its shape, naming the field', () => {
		const bad = failure([header, reviewer, item(0), { ...label, errorReason: 'boring' }]);
		expect(bad.line).toBe(4);
		expect(bad.field).toBe('errorReason');
		expect(failure([header, reviewer, item(0), { ...label, submittedAt: 'yesterday' }]).field).toBe('submittedAt');
	});

	it('refuses references to items or reviewers it has not seen, and duplicates', () => {
		expect(failure([header, reviewer, item(0), { ...label, item: 5 }]).message).toMatch(/line 4, item: item 6 \(position 5\) is not in the bundle/);
		expect(failure([header, reviewer, item(0), { ...label, reviewer: 'ben@example.org' }]).message).toMatch(/reviewer ben@example.org is not listed/);
		expect(failure([header, reviewer, item(0), item(0)]).message).toMatch(/item 1 \(position 0\) is listed twice/);
		expect(failure([header, reviewer, reviewer]).message).toMatch(/listed twice/);
	});

	it('refuses a cut-off file (no end record) and an end whose counts disagree', () => {
		expect(failure([header, reviewer, item(0), item(1), label]).message).toBe('line 6: the end record is missing: the file was cut off');
		expect(failure([header, reviewer, item(0), item(1), label, end({ labels: 2 })]).message).toBe('line 6, counts.labels: the end record counts 2 labels but the bundle has 1');
		expect(failure([header, reviewer, item(0), item(1), label, end(), reviewer]).message).toBe('line 7: text after the end record');
		expect(() => new BundleReader().finish()).toThrow(/empty/);
	});
});

describe('firstAnswerAsSent', () => {
	const label = { errorReason: null, comment: 'c', turns: undefined };
	const none = { instructionValid: null, inputValid: null, outputValid: null, ratings: [] };
	it('puts a pair verdict and ratings back in the order the reviewer saw, so scoring reads the same answer', () => {
		for (const order of [[0, 1], [1, 0]]) {
			const sent = firstAnswerAsSent('pairwise', { ...none, preference: 'a' }, label, order, ['m1', 'm2']);
			expect(sent?.kind === 'pairwise' && verdictFromChoice(sent.choice, order)).toBe('a');
		}
		const ratings = [{ model: 'x', rating: 'A' as const }, { model: 'y', rating: 'C' as const }, { model: 'z', rating: 'D' as const }];
		// Shown: z, x, y (positions 2, 0, 1).
		expect(firstAnswerAsSent('rating', { ...none, ratings }, label, [2, 0, 1], ['x', 'y', 'z'])).toEqual({ kind: 'rating', ratings: ['D', 'A', 'C'], comment: 'c' });
	});
	it('is null when the answer cannot be one the screen sends', () => {
		expect(firstAnswerAsSent('rating', { ...none, ratings: [{ model: 'x', rating: 'A' }] }, label, [0, 1], ['x', 'y'])).toBeNull();
		expect(firstAnswerAsSent('quality', { ...none, instructionValid: true, inputValid: true }, label, [], [])).toBeNull();
		expect(firstAnswerAsSent('quality', { ...none, instructionValid: true, inputValid: true, outputValid: false }, label, [], [])).toMatchObject({ output: false, reason: 'other' });
	});
});
