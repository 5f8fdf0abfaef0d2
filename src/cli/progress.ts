import { formatByteSize } from '$lib/formats/file-size';
import cliProgress from 'cli-progress';

/** A progress bar on stderr (stdout stays clean for data), silent when stderr is not a terminal. */
export function createProgressBar(label: string, total: number, unit: 'bytes' | 'items') {
	if (!process.stderr.isTTY) {
		return { update: (_value: number, _note?: string) => {}, finish: (_value?: number) => {}, stop: () => {} };
	}
	const bar = new cliProgress.SingleBar(
		{
			stream: process.stderr,
			format: `${label} [{bar}] {percentage}% | {shown} | {note}`,
			hideCursor: true,
			clearOnComplete: false
		},
		cliProgress.Presets.shades_classic
	);
	const show = (v: number) => (unit === 'bytes' ? `${formatByteSize(v)} / ${formatByteSize(total)}` : `${v} / ${total}`);
	bar.start(Math.max(total, 1), 0, { shown: show(0), note: '' });
	return {
		update: (value: number, note?: string) => bar.update(value, { shown: show(value), note: note ?? '' }),
		finish: (value = total) => {
			bar.update(value, { shown: show(value), note: 'done' });
			bar.stop();
		},
		stop: () => bar.stop()
	};
}
