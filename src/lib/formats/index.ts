/** Import formats: streaming parsers for the dataset files users bring (pure, no I/O). */
export * from './types';
export { ImportError, describePlace, assertImportable } from './import-error';
export { ImportParser, parseImport, parseTaskFiles, chunksOf, malformedJson } from './parse-import';
export { formatByteSize, aboutByteSize } from './file-size';
export { detectFormat } from './records';
export { normalizeWhitespace, modelNameFromFileName } from './text';
export { splitInstructionPrompt, outputFromCompletion, END_OF_TEXT } from './prompt-shape';
export { MAX_RECORD_CHARS } from './splitters';
export { splitAlpacaPrompt, splitPairPrompt } from './prompt-shape';
export { turnWarnings, speakerName, OPENAI_CHAT_SHAPE, SHAREGPT_SHAPE, type ConversationShape } from './conversation';
export { SUPERNI_FIELD_ORDER, taskNameFromFileName } from './superni';
