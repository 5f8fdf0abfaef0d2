import { describe, expect, it } from 'vitest';
import { judgeModelsText } from './judge-models';

describe('judgeModelsText', () => {
	it('names the one model of a run whose verdicts all come from it (or that has none yet)', () => {
		expect(judgeModelsText('fake', [])).toEqual({ mixed: false, text: 'fake', short: 'fake' });
		expect(judgeModelsText('fake', [{ model: 'fake', verdicts: 24 }])).toEqual({ mixed: false, text: 'fake', short: 'fake' });
	});

	it('names every model with its verdicts when they come from several, never only the last one', () => {
		const t = judgeModelsText('big', [
			{ model: 'big', verdicts: 13 },
			{ model: 'fake', verdicts: 11 }
		]);
		expect(t).toEqual({ mixed: true, text: 'big (13 verdicts) and fake (11 verdicts)', short: 'big + fake' });
		expect(judgeModelsText('c', [{ model: 'a', verdicts: 2 }, { model: 'b', verdicts: 1 }, { model: 'c', verdicts: 1 }]).text).toBe('a (2 verdicts), b (1 verdict) and c (1 verdict)');
	});

	it('says where the calls go now when no verdict came from that model yet', () => {
		expect(judgeModelsText('big', [{ model: 'fake', verdicts: 11 }])).toEqual({ mixed: false, text: 'fake (11 verdicts); calls now go to big', short: 'fake' });
	});
});
