/**
 * Judge suggestions for reviewers (issue #13; an audit option, off by default): an audit created
 * with a quality judge run over its dataset gives the review screen the judge's verdicts and
 * reasons on each item's instance; an unsuitable run is refused with a clear error; the report
 * (and `report --json`, which prints it) and the methods paragraph say that reviewers saw them.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { createAudit, createAuditInBatches } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { suggestionRunOptions } from '../../src/lib/server/audits/suggestions';
import { auditReport } from '../../src/lib/server/reports/reports';
import { auditMethods } from '../../src/lib/server/reports/methods';
import { judgeAuditCalibration } from '../../src/lib/server/judge';
import { AuditError } from '../../src/lib/server/audits/errors';
import { FAST_RETRY, fakeEndpoint, one } from './generation-support';
import { buildJudgeWorld, judgeScript, judgeSays } from './judge-support';

let db: Db;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeEach(async () => {
	({ db, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: judgeScript });
});
afterEach(async () => {
	await fake.close();
	cleanup();
});

function reviewer(): number {
	return one<{ id: number }>(
		db,
		`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, 'Sam', 'reviewer', 'not-a-hash', ?) RETURNING id`,
		`sam-${randomUUID().slice(0, 8)}@example.org`,
		Date.now()
	).id;
}

function refusal(fn: () => unknown): AuditError {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(AuditError);
		return err as AuditError;
	}
	throw new Error('expected a refusal');
}

describe('judge suggestions for reviewers', () => {
	it('pre-fills nothing by default, gives the judge verdicts with an opted-in audit, refuses unsuitable runs, and the report and methods say so', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		expect(suggestionRunOptions(world.datasetId, db).map((r) => r.id)).toEqual([run.id]);

		// Refusals: no such run, a run over another dataset, an audit of another kind.
		const other = await buildJudgeWorld(db, 'other');
		const otherRun = createJudgeRun({ datasetId: other.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const rita = reviewer();
		const base = { datasetId: world.datasetId, kind: 'quality' as const, sampleSize: 10, seed: 5, reviewerIds: [rita] };
		const missing = refusal(() => createAudit({ ...base, suggestionRunId: 99_999 }, db));
		expect(missing.message).toBe('There is no judge run 99999.');
		expect(missing.field).toBe('suggestionRunId');
		expect(missing.status).toBe(400);
		expect(refusal(() => createAudit({ ...base, suggestionRunId: otherRun.id }, db)).message).toBe(
			`Judge run ${otherRun.id} judged another dataset; choose a run over this audit's dataset.`
		);
		expect(refusal(() => createAudit({ ...base, kind: 'rating', suggestionRunId: run.id }, db)).message).toBe('Judge suggestions are an option of data-quality audits.');
		expect(refusal(() => createAudit({ ...base, suggestionRunId: 1.5 }, db)).field).toBe('suggestionRunId');
		await expect(createAuditInBatches({ ...base, suggestionRunId: otherRun.id }, db)).rejects.toThrow('judged another dataset');

		// Off by default: the judge world's own audit has no suggestion on its items or report.
		const plainReport = auditReport(world.auditId, {}, db);
		expect(plainReport.audit.suggestions).toBeNull();
		expect(auditMethods(plainReport, db).paragraph).not.toContain('pre-filled');

		// Opted in (the batched creation the page and CLI use).
		const audit = await createAuditInBatches({ ...base, sampleSize: 40, name: 'with suggestions', suggestionRunId: run.id }, db);
		expect(audit.suggestionRunId).toBe(run.id);
		let seen = 0;
		let now = Date.parse('2026-01-06T09:00:00Z');
		for (;;) {
			const next = nextAssignment(audit.id, rita, { now }, db);
			if (next.status !== 'assigned') break;
			const item = reviewItemView(audit.id, rita, next.ref, db);
			const k = Number(item.instruction.replace(/^Instruction (\d+):.*$/, '$1'));
			const says = judgeSays(k);
			if (says === null) {
				// Unparsed: no suggestion, nothing guessed.
				expect(item.suggestion).toBeNull();
			} else {
				expect(item.suggestion).toEqual({
					runId: run.id,
					model: 'fake-base',
					answers: { instruction: true, input: true, output: says },
					reasons: { instruction: 'A clear task.', input: 'Fits.', output: says ? 'Correct.' : 'Incorrect.' }
				});
				seen++;
			}
			// Nothing was submitted for the reviewer: the item is still theirs to answer.
			expect(item.state).toBe('assigned');
			expect(item.answer).toBeNull();
			now += 1000;
			submitLabel(
				audit.id,
				rita,
				{ ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' }, activeMs: 900 },
				{ now },
				db
			);
		}
		expect(seen).toBe(39);

		const report = auditReport(audit.id, {}, db);
		expect(report.audit.suggestions).toEqual({ runId: run.id, model: 'fake-base', name: run.name });
		// report --json prints the report object as JSON.
		expect(JSON.parse(JSON.stringify(report)).audit.suggestions.runId).toBe(run.id);
		const methods = auditMethods(report, db).paragraph;
		expect(methods).toContain(`Reviewers saw a model judge's answers (fake-base, judge run ${run.id}) pre-filled on the review screen as labelled suggestions`);
		expect(methods).toContain('anchored toward the judge');
		// The judge's calibration against this audit warns that the reviewers saw its answers.
		expect(judgeAuditCalibration(audit.id, run.id, {}, db).caveats[0]).toContain("Reviewers saw this judge run's answers as pre-filled suggestions");
		expect(judgeAuditCalibration(world.auditId, run.id, {}, db).caveats.join(' ')).not.toContain('pre-filled');

		// Deleting the run later leaves the audit (ON DELETE SET NULL).
		db.$client.prepare('DELETE FROM generation_runs WHERE id = ?').run(otherRun.id);
		db.$client.prepare('DELETE FROM generation_runs WHERE id = ?').run(run.id);
		expect(one<{ s: number | null }>(db, 'SELECT suggestion_run_id AS s FROM audits WHERE id = ?', audit.id).s).toBeNull();
	});
});
