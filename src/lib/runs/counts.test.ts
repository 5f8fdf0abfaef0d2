import { describe, expect, it } from 'vitest';
import { runCounts } from './counts';

const base = { candidates: 0, accepted: 0, rejected: {}, instances: { rejected: 0 }, tasksWithoutInstances: 0, tasksFailed: 0 };

describe('runCounts', () => {
	it('holds back the tasks whose classification call failed (run 16: 20 accepted, 12 held, 8 kept)', () => {
		const c = runCounts('self-instruct', { ...base, candidates: 20, accepted: 20, tasksFailed: 12 });
		expect(c).toMatchObject({ candidates: 20, kept: 8, heldBack: 12, rejected: 0 });
	});

	it('counts tasks dropped for their instances as rejected, so kept + held + rejected = candidates', () => {
		const c = runCounts('self-instruct', { ...base, candidates: 41, accepted: 12, rejected: { rougeL: 20, overTarget: 9 }, tasksWithoutInstances: 1, tasksFailed: 1 });
		expect(c.kept).toBe(10);
		expect(c.rejected).toBe(30);
		expect(c.rejectedByRule).toEqual({ rougeL: 20, overTarget: 9, noInstances: 1 });
		expect(c.kept + c.heldBack + c.rejected).toBe(c.candidates);
	});

	it('Unnatural counts examples: one whose output was rejected is not kept', () => {
		const c = runCounts('unnatural', { ...base, candidates: 11, accepted: 8, rejected: { overTarget: 3 }, instances: { rejected: 3 }, tasksWithoutInstances: 2 });
		expect(c).toMatchObject({ kept: 5, heldBack: 0, rejected: 6 });
		expect(c.rejectedByRule.noInstances).toBe(3);
	});

	it('Unnatural: the instances of examples rejected at once are counted, but were never kept', () => {
		const c = runCounts('unnatural', { ...base, candidates: 11, accepted: 8, rejected: { missingFields: 3 }, instances: { rejected: 5, byRule: { taskRejected: 3, emptyOutput: 2 } } });
		expect(c).toMatchObject({ kept: 6, heldBack: 0, rejected: 5 });
		expect(c.kept + c.heldBack + c.rejected).toBe(c.candidates);
	});

	it('Unnatural: kept examples whose output is not in yet are counted as awaiting it', () => {
		const c = runCounts('unnatural', { ...base, candidates: 14, accepted: 14, instances: { kept: 5, rejected: 0 } });
		expect(c).toMatchObject({ kept: 14, awaitingOutput: 9 });
		expect(runCounts('self-instruct', { ...base, candidates: 14, accepted: 14, instances: { kept: 5, rejected: 0 } }).awaitingOutput).toBe(0);
	});
});
