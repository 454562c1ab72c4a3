/**
 * How payloads cross Redis. The in-process pubsub hands subscribers the very objects the engine published, with
 * `Date` fields and properties set to `undefined`; plain JSON would turn the first into strings and drop the second,
 * so a subscriber on another instance would receive something else. Dates and `undefined` travel as tagged objects
 * (`{"$date": ms}`, `{"$undefined": 1}`): payloads are the engine's plain records, which never hold such keys.
 */
const DATE = '$date';
const UNDEFINED = '$undefined';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The one key of a tag object, or null when `value` is not one. */
function tagOf(value: Record<string, unknown>): string | null {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === DATE || keys[0] === UNDEFINED) ? keys[0] : null;
}

function encode(value: unknown): unknown {
  // An invalid date's NaN becomes JSON's null, which decodes to an invalid date again.
  if (value instanceof Date) return { [DATE]: value.getTime() };
  if (value === undefined) return { [UNDEFINED]: 1 };
  if (Array.isArray(value)) return value.map(encode);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encode(item)]));
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (!isRecord(value)) return value;
  const tag = tagOf(value);
  if (tag === DATE) return new Date((value[DATE] as number | null) ?? Number.NaN);
  if (tag === UNDEFINED) return undefined;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item)]));
}

/** The serializer of yoga's Redis event target. */
export const eventSerializer = {
  stringify: (value: unknown): string => JSON.stringify(encode(value)),
  parse: (text: string): unknown => decode(JSON.parse(text)),
};
