/**
 * A folder uploaded from the browser in one streamed request: the first line of the body is a
 * JSON list of the files' names and byte sizes, `[["task001_x.json", 5120], …]`, and the files
 * follow back to back. The browser builds it as one Blob (nothing is read into memory there),
 * and here each file becomes its own stream, cut at its size, read only when the import gets to it.
 */
import { ImportError } from '$lib/formats';
import type { ImportSource } from './import';

const MAX_MANIFEST_BYTES = 4 << 20;

export async function splitFolderUpload(body: AsyncIterable<Uint8Array>, folderName: string): Promise<ImportSource[]> {
	const iterator = body[Symbol.asyncIterator]();
	let pending: Uint8Array = new Uint8Array(0);
	const head: Uint8Array[] = [];
	let headBytes = 0;
	// Read up to the first newline: the list of files.
	for (;;) {
		const { done, value } = await iterator.next();
		if (done) throw new ImportError(`${folderName}: the upload ended before its list of files.`, { file: folderName });
		const nl = value.indexOf(10);
		if (nl >= 0) {
			head.push(value.subarray(0, nl));
			pending = value.subarray(nl + 1);
			break;
		}
		head.push(value);
		headBytes += value.length;
		if (headBytes > MAX_MANIFEST_BYTES) throw new ImportError(`${folderName}: the list of files is too long.`, { file: folderName });
	}
	let list: unknown;
	try {
		list = JSON.parse(Buffer.concat(head).toString('utf8'));
	} catch {
		throw new ImportError(`${folderName}: the upload does not start with its list of files.`, { file: folderName });
	}
	if (!Array.isArray(list) || !list.every((f) => Array.isArray(f) && typeof f[0] === 'string' && Number.isSafeInteger(f[1]) && f[1] >= 0)) {
		throw new ImportError(`${folderName}: the list of files must be [[name, bytes], …].`, { file: folderName });
	}
	const entries = list as [string, number][];
	let turn = 0;
	return entries.map(([fileName, size], index) => ({
		fileName,
		source: (async function* (): AsyncGenerator<Uint8Array> {
			if (turn !== index) throw new Error('folder upload files must be read in order');
			let left = size;
			while (left > 0) {
				if (pending.length === 0) {
					const { done, value } = await iterator.next();
					if (done) throw new ImportError(`${fileName}: the upload ended ${left} bytes before the end of this file.`, { file: fileName });
					pending = value;
					continue;
				}
				const take = Math.min(left, pending.length);
				const piece = pending.subarray(0, take);
				pending = pending.subarray(take);
				left -= take;
				yield piece;
			}
			turn++;
		})()
	}));
}
