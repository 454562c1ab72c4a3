/** CR and LF in a header value would start a new header (header injection); they are dropped, as Go's port does. */
export function stripLineBreaks(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
