import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { hasRole, requireRole } from '$lib/server/auth/guards';
import { checkbox, parseForm } from '$lib/server/forms';
import { getUser, listUsers } from '$lib/server/auth/users';
import { getDataset } from '$lib/server/datasets/datasets';
import {
	addGold,
	addReviewers,
	auditProgress,
	closeAudit,
	getAudit,
	listAuditItems,
	removeReviewer,
	reopenAudit,
	updateGuidelines,
	workStoppedByArchiving
} from '$lib/server/audits';
import { renderGuidelines } from '$lib/audits/guidelines';
import { closingConsequence } from '$lib/audits/closing';
import { auditAgreementSoFar } from '$lib/server/reports';
import { parseGold } from '$lib/audits/gold';
import { archiveAction, archiveFailure } from '$lib/server/archive/http';
import {
	archiveAudit,
	auditPurgePlan,
	auditReviewedWork,
	deleteAudit,
	describeWork,
	purgeAudit,
	purgeReviewerLabels,
	restoreAudit,
	restoreReviewerLabels,
	setAsideCounts
} from '$lib/server/archive';
import { fieldErrorsOf } from '$lib/server/http/errors';
import { auditImport } from '$lib/server/bundles';

function auditOr404(raw: string) {
	const audit = getAudit(Number(raw));
	if (!audit) error(404, { message: 'No such audit.' });
	return audit;
}

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const user = requireRole(locals, 'researcher', url);
	const audit = auditOr404(params.id);
	// Started first: the report thread reads the labels while this thread gathers the rest.
	const soFar = auditAgreementSoFar(audit.id);
	soFar.catch(() => undefined); // awaited below; should anything before throw, its failure is not left unhandled
	const progress = auditProgress(audit.id);
	const dataset = getDataset(audit.datasetId);
	const setAside = setAsideCounts(audit.id);
	const members = new Set(progress.reviewers.filter((r) => !r.removed).map((r) => r.userId));
	const page = Number(url.searchParams.get('page')) || 1;
	const asked = Number(url.searchParams.get('asked')) || null;
	return {
		audit,
		/** The sample size the new-audit form asked for, when it was more than there was to draw (the audit records what was drawn). */
		askedSampleSize: asked !== null && asked > audit.sampleSize ? asked : null,
		dataset,
		isAdmin: hasRole(user, 'admin'),
		archivedBy: audit.archivedBy ? (getUser(audit.archivedBy)?.email ?? null) : null,
		imported: auditImport(audit.id),
		work: auditReviewedWork(audit.id).map(describeWork),
		purgePlan: audit.archivedAt && hasRole(user, 'admin') ? auditPurgePlan(audit.id) : null,
		setAside: progress.reviewers.filter((r) => setAside.has(r.userId)).map((r) => ({ userId: r.userId, email: r.email, labels: setAside.get(r.userId)! })),
		guidelinesHtml: audit.guidelines ? renderGuidelines(audit.guidelines) : '',
		progress,
		candidates: listUsers()
			.filter((u) => !u.disabledAt && !members.has(u.id))
			.map((u) => ({ id: u.id, email: u.email, role: u.role })),
		items: listAuditItems(audit.id, { page }),
		soFar: await soFar,
		gold: audit.goldCount ? listAuditItems(audit.id, { gold: true, pageSize: 200 }) : null
	};
};

type Failure = { action: string; errors: Record<string, string> };

/** Runs one change; an AuditError becomes a message next to the form that asked for it. */
function attempt(action: string, fn: () => string) {
	try {
		return { action, message: fn() };
	} catch (err) {
		return fail(400, { action, errors: fieldErrorsOf(err) } satisfies Failure);
	}
}

const ids = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]).map(Number));

export const actions: Actions = {
	close: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return attempt('status', () => {
			const closed = closeAudit(audit.id);
			return `Closed: reviewers can no longer label or change labels.${closed.beingLabelled ? ` ${closingConsequence(closed.beingLabelled, closed.reviewers, 'were')}` : ''}`;
		});
	},
	reopen: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return attempt('status', () => (reopenAudit(audit.id), 'Reopened.'));
	},
	addReviewers: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const parsed = parseForm(z.object({ reviewers: ids }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'reviewers', errors: { reviewers: 'Choose at least one account.' } } satisfies Failure);
		return attempt('reviewers', () => `Added ${addReviewers(audit.id, parsed.data.reviewers)} reviewer(s).`);
	},
	removeReviewer: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const parsed = parseForm(z.object({ userId: z.coerce.number().int(), setAsideLabels: checkbox }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'reviewers', errors: { form: 'Invalid request.' } } satisfies Failure);
		return attempt('reviewers', () => {
			const r = removeReviewer(audit.id, parsed.data.userId, { setAsideLabels: parsed.data.setAsideLabels, actorId: user.id });
			return `Removed: ${r.released} item(s) returned to the pool${r.setAside ? `, ${r.setAside} label(s) set aside (kept, no longer counted)` : ''}.`;
		});
	},
	restoreLabels: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const userId = Number((await request.formData()).get('userId'));
		return archiveAction('setAside', () => {
			const r = restoreReviewerLabels(audit.id, userId);
			return `Brought back ${r.restored} label(s)${r.kept.length ? `; ${r.kept.length} stay set aside (${r.kept[0].reason}${r.kept.length > 1 ? ', …' : ''})` : ''}.`;
		});
	},
	purgeLabels: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'admin');
		const audit = auditOr404(params.id);
		const form = await request.formData();
		try {
			const r = await purgeReviewerLabels(audit.id, Number(form.get('userId')), user, String(form.get('confirm') ?? ''));
			return { action: 'setAside', message: `Purged ${r.plan.counts[0].n} set-aside label(s) of ${r.plan.confirmWith}; a backup was written first (${r.backup.file.split('/').pop()}).` };
		} catch (err) {
			return archiveFailure('setAside', err);
		}
	},
	delete: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		if ((await request.formData()).get('confirm') !== audit.name) return fail(400, { action: 'delete', error: `Type the audit name "${audit.name}" to confirm.` });
		try {
			await deleteAudit(audit.id);
		} catch (err) {
			return archiveFailure('delete', err);
		}
		redirect(303, '/audits');
	},
	archive: ({ locals, params }) => {
		const user = requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return archiveAction('archive', () => {
			const stopped = workStoppedByArchiving(audit.id);
			archiveAudit(audit.id, user.id);
			return `Archived: hidden from lists and read-only until restored.${stopped.beingLabelled ? ` ${closingConsequence(stopped.beingLabelled, stopped.reviewers, 'were', 'archived')}` : ''}`;
		});
	},
	restore: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return archiveAction('restore', () => (restoreAudit(audit.id), 'Restored.'));
	},
	purge: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'admin');
		const audit = auditOr404(params.id);
		try {
			await purgeAudit(audit.id, user, String((await request.formData()).get('confirm') ?? ''));
		} catch (err) {
			return archiveFailure('purge', err);
		}
		redirect(303, '/audits?archived=1');
	},
	guidelines: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const form = await request.formData();
		return attempt('guidelines', () => (updateGuidelines(audit.id, String(form.get('guidelines') ?? ''), user.id), 'Guidelines saved.'));
	},
	gold: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const form = await request.formData();
		const percent = Number(form.get('goldPercent') ?? 10);
		return attempt('gold', () => {
			const added = addGold(audit.id, parseGold(String(form.get('gold') ?? ''), audit.kind), percent / 100, user.id);
			return `Added ${added} gold item(s).`;
		});
	}
};
