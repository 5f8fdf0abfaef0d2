export type { Align, PaperColumn, PaperTable } from './table';
export { toLatex, escapeLatex } from './latex';
export { toMarkdown, escapeMarkdownCell, escapeMarkdownText, parseMarkdownTable } from './markdown';
