/**
 * Shared set-up for the rating and pairwise judge tests: the scripted judge (what it says for
 * each response and pair), a rating audit of model responses with known human ratings, and the
 * A–D confusion matrix the calibration must come to, worked out here.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import type { FakeScript } from '../support/fake-openai';
import { all } from './generation-support';
import { addPredictions, makeDataset, makeUsers } from './audit-fixtures';

export const REMINDER = 'Your previous reply could not be read';

/**
 * Rating prompts: task 2 is garbled once, task 5 always; otherwise alpha's responses are rated A
 * and beta's C. Pairwise prompts: pair k ≡ 0 (mod 3) always gets "A" (position bias → tie),
 * pair 4 garbles its swapped order once, pair 7 always gets "tie"; otherwise the "good" response wins.
 */
export const modesScript: FakeScript = (request) => {
	const prompt = request.prompt;
	const reminded = prompt.includes(REMINDER);
	const response = /### Response\n([\s\S]*?)\n\nJudge the response/.exec(prompt)?.[1];
	if (response !== undefined) {
		const task = Number(/task (\d+)/.exec(response)?.[1]);
		if (task === 2 && !reminded) return 'I rate it an A.';
		if (task === 5) return 'Rating: A';
		return JSON.stringify({ rating: response.startsWith('alpha') ? 'A' : 'C', reason: 'As scripted.' });
	}
	const a = /### Response A\n([\s\S]*?)\n\n### Response B/.exec(prompt)?.[1] ?? '';
	const b = /### Response B\n([\s\S]*?)\n\nReply with/.exec(prompt)?.[1] ?? '';
	const pair = Number(/(\d+)/.exec(a)?.[1]);
	if (pair % 3 === 0) return JSON.stringify({ verdict: 'A', reason: 'The first one.' });
	if (pair === 7) return '{"verdict": "Tie", "reason": "Equally good."}';
	if (pair === 4 && a.startsWith('bad') && !reminded) return '[[B]]';
	return JSON.stringify({ verdict: a.startsWith('good') ? 'A' : 'B', reason: `${a.startsWith('good') ? 'A' : 'B'} is right.` });
	void b;
};


export const RATING_TASKS = 12;
const TASKS = RATING_TASKS;
export type Level = 'A' | 'B' | 'C' | 'D';
export const judgeRates = (model: string, task: number): Level | null => (task === 5 ? null : model === 'alpha' ? 'A' : 'C');
export const humanRates = (model: string, task: number): Level => (model === 'alpha' ? (task % 4 === 1 ? 'B' : 'A') : task % 3 === 0 ? 'D' : 'C');

export async function ratingWorld(db: Db, name = 'eval') {
	const datasetId = await makeDataset(db, name, TASKS);
	for (const model of ['alpha', 'beta']) await addPredictions(db, name, TASKS, model);
	const [r] = makeUsers(db, 1);
	const audit = createAudit({ datasetId, kind: 'rating', sampleSize: 8, seed: 7, overlap: 1, models: ['alpha', 'beta'], reviewerIds: [r.id] }, db);
	for (;;) {
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') break;
		const view = reviewItemView(audit.id, r.id, next.ref, db);
		const ratings = view.responses.map((x) => humanRates(x.text.split(' ')[0], Number(/task (\d+)/.exec(x.text)![1])));
		submitLabel(audit.id, r.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'rating', ratings } }, {}, db);
	}
	// The audited responses, as (model, task).
	const audited = all<{ response: string }>(
		db,
		`SELECT r.response FROM audit_item_responses ar JOIN audit_items a ON a.id = ar.item_id JOIN responses r ON r.id = ar.response_id WHERE a.audit_id = ? AND a.is_gold = 0`,
		audit.id
	).map((x) => ({ model: x.response.split(' ')[0], task: Number(/task (\d+)/.exec(x.response)![1]) }));
	return { datasetId, auditId: audit.id, audited };
}

export function expectedRatingConfusion(audited: { model: string; task: number }[]) {
	const levels: Level[] = ['A', 'B', 'C', 'D'];
	const m = levels.map(() => levels.map(() => 0));
	let missing = 0;
	for (const { model, task } of audited) {
		const j = judgeRates(model, task);
		if (j === null) {
			missing++;
			continue;
		}
		m[levels.indexOf(j)][levels.indexOf(humanRates(model, task))]++;
	}
	return { confusion: m, missing };
}

