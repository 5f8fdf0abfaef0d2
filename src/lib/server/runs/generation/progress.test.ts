import { describe, expect, it } from 'vitest';
import { etaSeconds } from '../engine/counters';
import { emptyProgress, readProgress, ruleLabel, workFraction } from './progress';

describe('run progress', () => {
	it('counts Self-Instruct work as generation, classification and instances per accepted instruction', () => {
		const p = emptyProgress();
		expect(workFraction('self-instruct', 10, p)).toBe(0);
		p.accepted = 10;
		p.classification = { yes: 2, no: 3, unknown: 0 };
		p.tasksWithInstances = 0;
		expect(workFraction('self-instruct', 10, p)).toBeCloseTo(15 / 30);
		p.accepted = 12; // over the target counts as the target
		p.classification = { yes: 4, no: 6, unknown: 0 };
		p.tasksWithInstances = 10;
		expect(workFraction('self-instruct', 10, p)).toBe(1);
	});

	it('is not done, nor shown as 100%, while lost or held-back tasks leave the run short of its kept target', () => {
		const p = emptyProgress();
		// Every step done for 12 accepted instructions, but 3 lost all their instances: 9 kept of 10.
		p.accepted = 12;
		p.classification = { yes: 6, no: 6, unknown: 0 };
		p.tasksWithInstances = 9;
		p.tasksWithoutInstances = 3;
		expect(workFraction('self-instruct', 10, p)).toBe(0.99);
		p.accepted = 13;
		p.tasksWithInstances = 10;
		expect(workFraction('self-instruct', 10, p)).toBe(1);
		// Alpaca: the share kept; two tasks held back by failed calls are not done.
		const a = emptyProgress();
		a.accepted = 10;
		a.tasksFailed = 2;
		expect(workFraction('alpaca', 10, a)).toBeCloseTo(0.8);
	});

	it('counts Unnatural work as core, output and each rephrasing', () => {
		const p = emptyProgress();
		p.accepted = 10;
		p.tasksWithInstances = 5;
		p.expansionsDone = 5;
		expect(workFraction('unnatural', 10, p, 2)).toBeCloseTo(20 / 40);
		expect(workFraction('unnatural', 10, p, 0)).toBeCloseTo(1);
		// Examples that joined an earlier task get no rephrasings of their own: all done is 1.
		p.joinedExamples = 4;
		p.tasksWithInstances = 10;
		p.expansionsDone = 12;
		expect(workFraction('unnatural', 10, p, 2)).toBe(1);
		p.expansionsDone = 6;
		expect(workFraction('unnatural', 10, p, 2)).toBeCloseTo(26 / 32);
	});

	it('estimates the time left from the active time so far', () => {
		expect(etaSeconds(0.5, 60_000)).toBe(60);
		expect(etaSeconds(0.25, 10_000)).toBe(30);
		expect(etaSeconds(0, 10_000)).toBeNull();
		expect(etaSeconds(0.5, 500)).toBeNull();
		expect(etaSeconds(1, 10_000)).toBe(0);
	});

	it('reads old or partial progress objects', () => {
		expect(readProgress(null)).toEqual(emptyProgress());
		expect(readProgress({ accepted: 3, calls: { done: 2 } })).toMatchObject({ accepted: 3, calls: { done: 2, failed: 0, byStep: {} }, instances: { kept: 0 } });
	});

	it('names rules in plain words', () => {
		expect(ruleLabel('rougeL')).toBe('Too similar to the pool (ROUGE-L)');
		expect(ruleLabel('overTarget')).toBe('Beyond the run’s target');
		expect(ruleLabel('somethingNew')).toBe('somethingNew');
	});
});
