import type { ComponentChildren } from 'preact';

/** A labelled control (`id` ties the label to it) with the API's issue for it, if any, right below. */
export function Field({ label, id, issue, children }: { label: string; id: string; issue: string | undefined; children: ComponentChildren }) {
  return (
    <div class={issue ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {issue ? (
        <span class="issue" id={`${id}-issue`}>
          {issue}
        </span>
      ) : null}
    </div>
  );
}

export interface TextInputProps {
  id: string;
  label: string;
  value: string;
  issue: string | undefined;
  onInput: (value: string) => void;
  type?: 'text' | 'password' | 'url' | 'datetime-local';
  placeholder?: string;
  numeric?: boolean;
}

/** A text input in a Field; its `name` is its id, and it is marked invalid while the API has an issue with it. */
export function TextInput({ id, label, value, issue, onInput, type = 'text', placeholder, numeric }: TextInputProps) {
  return (
    <Field label={label} id={id} issue={issue}>
      <input
        id={id}
        name={id}
        // Preact's types take `type` as one literal per variant of the element, not a union of them.
        {...({ type } as { type: 'text' })}
        placeholder={placeholder}
        inputMode={numeric ? 'numeric' : undefined}
        autocomplete="off"
        aria-invalid={issue ? true : undefined}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

/** A `datetime-local` value (the browser's local time) as the API's UTC instant; blank stays absent. */
export function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

/**
 * The API's validation issues by the field they name, the first per field; an issue about a field the form does not
 * show goes under '' and appears above its Save button.
 */
export function issuesByField(issues: readonly { field: string; message: string }[], shown: readonly string[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of issues) byField[shown.includes(issue.field) ? issue.field : ''] ??= issue.message;
  return byField;
}

/** A form's end: what went wrong that no field owns, and its Save button. */
export function FormEnd({ error, busy }: { error: string | undefined; busy: boolean }) {
  return (
    <>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save
        </button>
      </div>
    </>
  );
}

/**
 * What went wrong with an action's mutation, in the API's words: its typed error's message, else the request's own
 * failure; null when it did what was asked. An action that fails says so, rather than the page looking as if it worked.
 */
export function failureOf(answer: object | null | undefined, error: { message: string } | undefined): string | null {
  if (answer && 'message' in answer && typeof answer.message === 'string') return answer.message;
  return answer ? null : (error?.message ?? 'The server did not answer');
}
