/**
 * `npm run bench -- rates`: the latent-truth (Dawid–Skene) correctness rate on simulated audits
 * with a known truth — 1,000 audits of 200 items for k = 2 and k = 3 from six reviewers of known,
 * unequal sensitivity/specificity (src/lib/stats/fixtures/simulated-audits.ts) — with the report's
 * bootstrap (200 replicates, seeded): mean bias, RMSE and the coverage of the 95% interval, next to
 * the old "ties left out" majority rate and the share of yes labels. Then the bias alone at other
 * true rates. Set RATES_AUDITS to run fewer audits.
 */
import { DEFAULT_BOOTSTRAP_REPLICATES } from '../src/lib/stats/dawid-skene';
import { dawidSkeneEstimators, runSimulation } from '../src/lib/stats/fixtures/simulated-audits';

const audits = Number(process.env.RATES_AUDITS ?? 1000);
const estimators = dawidSkeneEstimators(DEFAULT_BOOTSTRAP_REPLICATES);
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pts`;

console.log(`${audits} audits × 200 items, true rate 0.6, bootstrap ${DEFAULT_BOOTSTRAP_REPLICATES} replicates`);
for (const k of [2, 3]) {
	const started = performance.now();
	const f = runSimulation({ audits, items: 200, k, rate: 0.6, replicates: DEFAULT_BOOTSTRAP_REPLICATES, seed: 1000 + k }, estimators);
	const seconds = (performance.now() - started) / 1000;
	console.log(
		`k=${k}: latent truth bias ${pts(f.latentBias)}, RMSE ${(f.latentRmse * 100).toFixed(2)} pts, 95% coverage ${(f.latentCoverage! * 100).toFixed(1)}%` +
			` (${f.latentNotConverged} fits not converged) · ties left out bias ${pts(f.tiesLeftOutBias)} · label level bias ${pts(f.labelLevelBias)}` +
			` · ${(seconds / audits * 1000).toFixed(0)} ms per audit`
	);
}
for (const rate of [0.3, 0.85]) {
	for (const k of [2, 3]) {
		const f = runSimulation({ audits, items: 200, k, rate, replicates: 0, seed: 2000 + k }, estimators);
		console.log(`rate ${rate}, k=${k}: latent truth bias ${pts(f.latentBias)}, RMSE ${(f.latentRmse * 100).toFixed(2)} pts · ties left out bias ${pts(f.tiesLeftOutBias)} · label level bias ${pts(f.labelLevelBias)}`);
	}
}
