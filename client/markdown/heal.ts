import remend from "remend";

const REMEND = { katex: false, inlineKatex: false, linkMode: "text-only" } as const;

/** A table's delimiter row still being typed: `|--`, `| :-- | -`. */
const PARTIAL_DELIMITER = /^\s*\|?[\s:|-]*$/;

/**
 * Closes what a half-written block leaves open so it renders as it will look when finished, without raw
 * markers flashing: `**bold`, `` `code``, `[link](ht` (remend), a table whose delimiter row has not
 * arrived, and the first backticks of a closing fence.
 */
export function healBlock(block: string): string {
  const fence = /^ {0,3}(`{3,}|~{3,})/.exec(block);
  if (fence) return stripPartialFence(block, fence[1]!);
  return remend(completeTableHead(block).replace(TRAILING_MARKERS, "$1"), REMEND);
}

/** `Some **` or a line ending in `` ` ``: markers with nothing after them yet, shown as nothing until text comes. */
const TRAILING_MARKERS = /(^|\s)[*_~`]+$/;

/** Inside an open fence only a half-typed closing fence can flash: drop it until it is whole. */
function stripPartialFence(block: string, opener: string): string {
  const lastBreak = block.lastIndexOf("\n");
  if (lastBreak < 0) return block;
  const last = block.slice(lastBreak + 1).trim();
  const char = opener[0]!;
  const partial = last.length > 0 && last.length < opener.length && [...last].every((c) => c === char);
  return partial ? block.slice(0, lastBreak + 1) : block;
}

/** `| a | b |` alone, or with a partial `|--` under it, renders as the table head it is about to be. */
function completeTableHead(block: string): string {
  if (!block.trimStart().startsWith("|")) return block;
  const lines = block.replace(/\n+$/, "").split("\n");
  if (lines.length > 2 || (lines.length === 2 && !PARTIAL_DELIMITER.test(lines[1]!))) return block;
  if (lines.length === 2 && isCompleteDelimiter(lines[1]!, cellCount(lines[0]!))) return block;
  const cells = cellCount(lines[0]!);
  if (cells === 0) return "";
  return `${lines[0]}\n|${" --- |".repeat(cells)}`;
}

function cellCount(row: string): number {
  const inner = row.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "");
  return inner.trim() === "" ? 0 : inner.split(/(?<!\\)\|/).length;
}

function isCompleteDelimiter(row: string, cells: number): boolean {
  const parts = row.trim().replace(/^\|/, "").replace(/\|$/, "").split("|");
  return parts.length === cells && parts.every((p) => /^\s*:?-+:?\s*$/.test(p));
}
