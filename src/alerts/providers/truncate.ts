const ELLIPSIS = '…';

/**
 * Cuts text to a service's length limit, ending in "…" when cut: services answer HTTP 400 to a longer field and the
 * alert is lost. The limit is counted in UTF-16 units, never fewer than the code points some services count instead,
 * so the result fits either way; a surrogate pair (an emoji) is never split in half.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/** As `truncate`, for a limit in UTF-8 bytes; `encodeInto` stops before a character that would not fit whole. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes - Buffer.byteLength(ELLIPSIS)));
  return `${text.slice(0, read)}${ELLIPSIS}`;
}
