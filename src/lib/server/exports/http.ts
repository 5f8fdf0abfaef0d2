/**
 * Content-Disposition for a download (RFC 6266): an ASCII fallback name plus the exact UTF-8
 * name (RFC 5987), so dataset names in any script survive and no header injection is possible.
 */
export function contentDisposition(fileName: string): string {
	const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
	const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
