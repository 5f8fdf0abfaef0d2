/**
 * Which link of a navigation bar marks the current page. A page under one path may belong to
 * another section (a judge run lives at /runs/<id> but is reached from a report's "Model as judge"
 * and sits under Reports in its breadcrumbs): such a page names its section in its data
 * (App.PageData.navSection), which then decides alone.
 */
export function isCurrentSection(pathname: string, href: string, also: readonly string[] = [], pageSection?: string | null): boolean {
	if (pageSection) return href === pageSection;
	return [href, ...also].some((h) => pathname === h || pathname.startsWith(h + '/'));
}

/**
 * The section a run's pages belong to: a judge run is started and read from a report ("Model as
 * judge"), so it sits under Reports, in the main nav as in its breadcrumbs; a generation run under Generation.
 */
export function runNavSection(pipeline: string): string {
	return pipeline === 'judge' ? '/reports' : '/runs';
}
