import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A labelled control (`id` ties the label to it) with the API's issue for it, if any, right below; the control spreads
 * `issueAttributes` so a screen reader says it is at fault and reads the issue with it.
 */
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
  /** Said to assistive technology; the API, not the browser, refuses a blank one (the forms are `noValidate`). */
  required?: boolean;
  disabled?: boolean;
}

/** What marks the control `id` of a Field as invalid and ties the issue shown below it to it. */
export function issueAttributes(id: string, issue: string | undefined) {
  return issue ? { 'aria-invalid': true, 'aria-describedby': `${id}-issue` } : {};
}

/** A text input in a Field; its `name` is its id, and it is marked invalid while the API has an issue with it. */
export function TextInput(props: TextInputProps) {
  return (
    <Field label={props.label} id={props.id} issue={props.issue}>
      <BareInput {...props} />
    </Field>
  );
}

function BareInput({ id, value, issue, onInput, type = 'text', placeholder, numeric, required, disabled }: TextInputProps) {
  return (
    <input
      id={id}
      name={id}
      // Preact's types take `type` as one literal per variant of the element, not a union of them.
      {...({ type } as { type: 'text' })}
      placeholder={placeholder}
      inputMode={numeric ? 'numeric' : undefined}
      autocomplete="off"
      aria-required={required || undefined}
      disabled={disabled}
      {...issueAttributes(id, issue)}
      value={value}
      onInput={(e) => onInput(e.currentTarget.value)}
    />
  );
}

/**
 * A secret typed in: hidden as a password is, with a toggle that shows it to check what was typed (a long token pasted
 * wrong is otherwise found only when an alert fails).
 */
export function SecretInput(props: Omit<TextInputProps, 'type'>) {
  const [shown, setShown] = useState(false);
  return (
    <Field label={props.label} id={props.id} issue={props.issue}>
      <span class="secret-input">
        <BareInput {...props} type={shown ? 'text' : 'password'} />
        <button type="button" class="secondary" aria-controls={props.id} aria-pressed={shown} onClick={() => setShown(!shown)}>
          <ItemAction action="Show" item={props.label} />
        </button>
      </span>
    </Field>
  );
}

/** A choice: the value sent, and what the option says (the value itself when absent). */
export interface Choice {
  value: string;
  label?: string;
}

/** A select in a Field, as TextInput: its `name` is its id, marked invalid while the API has an issue with it. */
export function SelectInput({
  id,
  label,
  value,
  issue,
  onChange,
  choices,
}: {
  id: string;
  label: string;
  value: string;
  issue: string | undefined;
  onChange: (value: string) => void;
  choices: readonly Choice[];
}) {
  return (
    <Field label={label} id={id} issue={issue}>
      <select id={id} name={id} {...issueAttributes(id, issue)} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label ?? c.value}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A `datetime-local` value (the browser's local time) as the API's UTC instant; blank stays absent. */
export function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

/** The API's instant as a `datetime-local` value, in the browser's local time, to the minute; none is blank. */
export function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * The text of a button that acts on one item of a list: the action as shown, and the item for a screen reader, so
 * that a list of them is not a row of identical "Delete"s.
 */
export function ItemAction({ action, item }: { action: string; item: string }) {
  return (
    <>
      {action}
      <span class="visually-hidden"> {item}</span>
    </>
  );
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

/** GraphQL's Int: 32 bits, signed. */
const INT_RANGE = 2 ** 31;

/**
 * The issue with each numeric field among `keys` whose text is neither blank nor a whole number the API's Int holds:
 * sent, such text would become null (NaN) or be refused by GraphQL itself, in its own words and beside no field.
 */
export function wholeNumberIssues<K extends string>(values: Readonly<Record<K, string>>, keys: readonly K[]): Record<string, string> {
  const issues: Record<string, string> = {};
  for (const key of keys) {
    const text = values[key].trim();
    if (text === '') continue;
    if (!/^[+-]?\d+$/.test(text)) issues[key] = 'must be a whole number';
    else if (Number(text) < -INT_RANGE || Number(text) >= INT_RANGE) issues[key] = 'is out of range';
  }
  return issues;
}

/**
 * A form's end: what went wrong that no field owns, and its Save button. A refused save takes the focus to the first
 * control at fault. The button stays focusable while the save runs (a disabled one drops the focus to the top of the
 * page), and refuses a second save meanwhile: Enter in a field clicks it too.
 */
export function FormEnd({
  issues,
  busy,
  label = 'Save',
  onCancel,
}: {
  issues: Readonly<Record<string, string>>;
  busy: boolean;
  label?: string;
  onCancel?: () => void;
}) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    button.current?.form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [issues]);
  return (
    <>
      {issues[''] ? (
        <p class="error" role="alert">
          {issues['']}
        </p>
      ) : null}
      <div class="actions">
        <button
          type="submit"
          ref={button}
          aria-disabled={busy ? true : undefined}
          onClick={(event) => {
            if (busy) event.preventDefault();
          }}
        >
          {label}
        </button>
        {onCancel ? (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </>
  );
}

/**
 * The item of a list being edited in place (by id), one at a time. Opened, its form (marked `data-editing={id}`)
 * takes the focus in its first field; closed, the focus goes back to the item's Edit button (`data-edits={id}`)
 * instead of falling to the start of the page.
 */
export function useEditing() {
  const [editing, setEditing] = useState<string | null>(null);
  const closed = useRef<string | null>(null);
  useEffect(() => {
    const selector =
      editing === null ? closed.current && `[data-edits="${CSS.escape(closed.current)}"]` : `form[data-editing="${CSS.escape(editing)}"] :is(input, select)`;
    if (selector) document.querySelector<HTMLElement>(selector)?.focus();
    closed.current = null;
  }, [editing]);
  const close = () => {
    closed.current = editing;
    setEditing(null);
  };
  return { editing, open: setEditing, close };
}

/**
 * What went wrong with an action's mutation, in the API's words: its typed error's message, else the request's own
 * failure; null when it did what was asked. An action that fails says so, rather than the page looking as if it worked.
 */
export function failureOf(answer: object | null | undefined, error: { message: string } | undefined): string | null {
  if (answer && 'message' in answer && typeof answer.message === 'string') return answer.message;
  return answer ? null : (error?.message ?? 'The server did not answer');
}
