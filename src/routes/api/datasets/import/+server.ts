import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { importFile, importFiles, ImportError } from '$lib/server/datasets/import';
import { splitFolderUpload } from '$lib/server/datasets/folder-upload';
import { FORMATS, type FormatId } from '$lib/formats';
import { config } from '$lib/server/config';
import { DomainError } from '$lib/errors';

/** Streams the request body (the raw file) through the import; answers the summary or a located error. */
export const POST: RequestHandler = async ({ request, url, locals }) => {
	const user = requireApiRole(locals, 'researcher');
	const datasetName = url.searchParams.get('dataset') ?? '';
	const fileName = url.searchParams.get('fileName') || 'upload';
	const format = url.searchParams.get('format') ?? 'auto';
	const origin = url.searchParams.get('origin') === 'seed' ? 'seed' : 'imported';
	if (format !== 'auto' && !FORMATS.some((f) => f.id === format)) {
		return json({ message: `Unknown format "${format}".` }, { status: 400 });
	}
	// Read through our own reader: a `for await` over the body would cancel it on a parse error,
	// and cancelling destroys the connection before the browser sees the error message. An empty
	// file comes with no body: the import reads no bytes and says so as the CLI does.
	const reader = (request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })).getReader();
	const limit = config().maxImportBytes;
	let received = 0;
	async function* chunks(): AsyncGenerator<Uint8Array> {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			received += value.length;
			yield value;
		}
	}
	try {
		const options = {
			datasetName,
			fileName,
			format: format as FormatId | 'auto',
			modelName: url.searchParams.get('model'),
			origin: origin as 'seed' | 'imported',
			createdBy: user.id,
			maxBytes: limit
		};
		// A folder (of SuperNI task files): its list of files first, then the files back to back.
		const summary =
			url.searchParams.get('folder') === '1'
				? await importFiles(await splitFolderUpload(chunks(), fileName), options)
				: await importFile(chunks(), options);
		return json({ summary });
	} catch (err) {
		// A refused file, or a refusal of the dataset itself (archived: read-only), with its own status.
		if (!(err instanceof ImportError || err instanceof DomainError)) throw err;
		const status = err instanceof DomainError ? err.status : 400;
		// Over the limit (MAX_IMPORT_MB): answer now and read no further (scripts/serve.js closes
		// the connection once the client has had the answer).
		if (received > limit) return json({ message: err.message }, { status: 413 });
		// Another problem: take the rest of the upload (never more than the limit) so the browser,
		// still sending, receives the answer.
		while (received <= limit) {
			const { done, value } = await reader.read();
			if (done) return json({ message: err.message }, { status });
			received += value.length;
		}
		return json({ message: err.message }, { status });
	}
};
