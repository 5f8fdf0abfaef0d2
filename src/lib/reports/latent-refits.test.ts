/**
 * The latent-truth rate on two audits an exploratory tester labelled through the app
 * (fixtures/tester-latent-audits.ts): a fit that stopped on an edge (E-gold) and bootstrap refits
 * whose classes took each other's roles (A-k3 after two adjudications); both had only two
 * reviewers whose answers tell the classes apart. And a simulated audit with swapped refits.
 */
import { describe, expect, it } from 'vitest';
import { buildAuditReport } from './report';
import { A_K3, E_GOLD, testerAudit } from './fixtures/tester-latent-audits';
import { SeededRandom } from '../audits/random';

const rateOf = (input: ReturnType<typeof testerAudit>, key: string) => buildAuditReport(input).quality!.groups[0].rates.find((r) => r.key === key)!;

describe('E-gold: one reviewer always says yes, one answers at random, one is right on all 24 gold answers', () => {
	it('is not reported as 100% [100%, 100%]: two reviewers at most tell the classes apart, so the headline is the majority, with the reason', () => {
		// The fit itself now reaches plain EM's maximum, 0.872 (dawid-skene.test.ts); it stopped at 1.
		const r = rateOf(testerAudit(E_GOLD), 'instruction');
		expect(r.latent).toMatchObject({ status: 'not-identified', identified: false, proportion: null });
		expect(r.latent.reason).toMatch(/^Only 2 reviewers tell the model's two classes apart \(Youden's J above 0\.2\); the others answer alike whatever the class/);
		expect(r.headline).toMatchObject({ estimator: 'majority', proportion: 0.875, fallback: r.latent.reason });
	});
});

describe('A-k3: 60 items, k = 3 of four reviewers (always yes, random, two careful)', () => {
	it('before and after two adjudications, the latent rate is not reported: only the two careful reviewers tell the classes apart (after them, it read 86.3% [27.3%, 93.3%])', () => {
		for (const input of [testerAudit({ ...A_K3, adjudicated: {} }), testerAudit(A_K3)]) {
			const r = rateOf(input, 'input');
			expect(r.latent).toMatchObject({ status: 'not-identified', identified: false });
			expect(r.latent.reason).toMatch(/^Only 2 reviewers tell/);
			expect(r.headline.estimator).toBe('majority');
		}
	});
});

describe('refits whose classes took each other\'s roles', () => {
	it('more of them than the interval\'s tail: not identified, and the headline says why', () => {
		// Simulated with a known truth: 30 items, 70% truly yes, three reviewers each right 68% of the
		// time, the first three items adjudicated. 16 of 200 refits stay swapped after relabelling.
		const random = new SeededRandom(138);
		const answers: Record<number, string> = { 1: '', 2: '', 3: '' };
		const adjudicated: Record<number, string> = {};
		for (let item = 0; item < 30; item++) {
			const truth = random.float() < 0.7;
			if (item < 3) adjudicated[item] = truth ? '111' : '011';
			for (const reviewer of [1, 2, 3]) answers[reviewer] += (random.float() < 0.68 ? truth : !truth) ? '111' : '011';
		}
		const r = rateOf(testerAudit({ name: 'weak', overlap: 3, sampled: 30, answers, gold: '', adjudicated }), 'instruction');
		expect(r.latent).toMatchObject({ status: 'not-identified', identified: false, replicates: 200, replicatesDiscarded: 16 });
		expect(r.latent.reason).toMatch(/^In 16 of 200 bootstrap refits the model's two classes took each other's roles .* more than the 2\.5% an interval's tail holds/);
		expect(r.headline).toMatchObject({ estimator: 'majority', fallback: r.latent.reason });
	});
});

describe('a fit on the edge: every refit at the same rate', () => {
	it('is not reported as identified with a zero-width interval', () => {
		// Reviewer 2 says yes to every sampled item and is right on all 8 gold items (4 of them no):
		// the fit makes every sampled item certainly valid, in every refit.
		const answers = (sampled: string, gold: string) => [...sampled, ...gold].map((a) => (a === '1' ? '111' : '011')).join('');
		const edge = testerAudit({
			name: 'edge',
			overlap: 3,
			sampled: 12,
			answers: { 2: answers('111111111111', '10101010'), 3: answers('101101011011', '11101110'), 4: answers('110111101101', '10111011') },
			gold: answers('', '10101010'),
			adjudicated: {}
		});
		const r = rateOf(edge, 'instruction');
		expect(r.latent).toMatchObject({ status: 'not-identified', identified: false, proportion: null });
		expect(r.latent.reason).toMatch(/^Every bootstrap refit gives the same rate, 100\.0%, so its interval has no width/);
		expect(r.headline.estimator).toBe('majority');
	});
});

describe('a second maximum nearly as likely, at another rate', () => {
	it('is not reported as identified: the headline is the majority, with the rival named', () => {
		// Simulated: 15 items, k = 3, 70% truly yes; one reviewer says yes to 98% of valid and 60% of
		// invalid items, two are right 75% of the time (seed 5). The best fit puts the rate at 93.3%;
		// started elsewhere it ends at 66.7%, with a log-likelihood only 0.35 lower.
		const random = new SeededRandom(5);
		const answers: Record<number, string> = { 1: '', 2: '', 3: '' };
		for (let item = 0; item < 15; item++) {
			const truth = random.float() < 0.7;
			answers[1] += (truth ? random.float() < 0.98 : random.float() < 0.6) ? '111' : '011';
			for (const reviewer of [2, 3]) answers[reviewer] += (random.float() < 0.75 ? truth : !truth) ? '111' : '011';
		}
		const r = rateOf(testerAudit({ name: 'lenient', overlap: 3, sampled: 15, answers, gold: '', adjudicated: {} }), 'instruction');
		expect(r.latent).toMatchObject({ status: 'not-identified', identified: false, proportion: null });
		expect(r.latent.reason).toBe(
			"Fitted from another starting point, the model ends with class 1's share at 66.7% instead of 93.3%, with a log-likelihood only 0.35 lower: the answers barely prefer one over the other, so the rate is weakly identified."
		);
		expect(r.headline).toMatchObject({ estimator: 'majority', fallback: r.latent.reason });
	});
});
