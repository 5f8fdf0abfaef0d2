/**
 * The worker-thread side of ./export-encoder. Imported only dynamically, so a bundle gives it a
 * chunk of its own that a worker can load by URL. The entry is a function of this module (a
 * re-export would not survive the bundle's tree-shaking).
 */
import { exportEncodingHandler } from './export-encoder';

/** The thread's entry: the encoder's handler over the region buffer shared with the caller. */
export function serveExportEncoder(shared?: SharedArrayBuffer): ReturnType<typeof exportEncodingHandler> {
	return exportEncodingHandler(shared);
}

/** Where this module lives, for the worker to load it. */
export const EXPORT_ENCODER_THREAD_URL = import.meta.url;
