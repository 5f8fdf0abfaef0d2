/**
 * The worker-thread side of ./second-reader. Imported only dynamically, so a bundle gives it a
 * chunk of its own that a worker can load by URL. The entry is a function of this module (a
 * re-export would not survive the bundle's tree-shaking).
 */
import { secondReaderHandler } from './second-reader';

/** The thread's entry: a second reader of an export's blocks. */
export function serveSecondReader(): ReturnType<typeof secondReaderHandler> {
	return secondReaderHandler();
}

/** Where this module lives, for the worker to load it. */
export const SECOND_READER_THREAD_URL = import.meta.url;
