/**
 * A run's calls with their replies' raw text and the pieces that could not be read: the calls
 * page's list (listCalls, same filters) with each call's detail, for the CLI (`generate --calls`),
 * where there is no page to open a call on.
 */
import { db, type Db } from '../../db';
import { callDetail, listCalls, type CallFilters, type CallListRow } from './calls';

export interface CallReply extends CallListRow {
	prompt: string;
	/** The reply as the model wrote it (null when the call got none). */
	completion: string | null;
	/** Pieces of the reply not read, each with its raw text. */
	replyProblems: unknown[];
	/** Text set aside from the reply (lead-ins, sign-offs …), each with its raw text. */
	replyNotes: unknown[];
	/** Why the reply as a whole was rejected (a rephrasing without {INPUT}, say: `parsed.problem`), or null. */
	replyRejected: string | null;
}

export function listCallReplies(database: Db = db(), runId: number, filters: CallFilters = {}) {
	const list = listCalls(database, runId, filters);
	const calls: CallReply[] = list.rows.map((row) => {
		const detail = callDetail(database, runId, row.id);
		const parsed = (detail?.parsed ?? {}) as { problems?: unknown; notes?: unknown; problem?: unknown };
		return {
			...row,
			prompt: detail?.prompt ?? '',
			completion: detail?.completion ?? null,
			replyProblems: Array.isArray(parsed.problems) ? parsed.problems : [],
			replyNotes: Array.isArray(parsed.notes) ? parsed.notes : [],
			replyRejected: typeof parsed.problem === 'string' ? parsed.problem : null
		};
	});
	return { total: list.total, page: list.page, pages: list.pages, calls };
}
