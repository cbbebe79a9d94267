type FieldProps = {
  name: string;
  label: string;
  error?: string;
  hint?: string;
} & JSX.HtmlInputTag;

/** A labelled input whose error or hint sits right under it and is tied to it for screen readers. */
export function Field({ name, label, error, hint, ...input }: FieldProps) {
  const noteId = `${name}-note`;
  const note = error ?? hint;
  return (
    <>
      <label for={name} safe>
        {label}
      </label>
      <input
        id={name}
        name={name}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={note ? noteId : undefined}
        {...input}
        autofocus={error ? true : input.autofocus}
      />
      {note ? (
        <small id={noteId} class={error ? "field-error" : undefined} role={error ? "alert" : undefined} safe>
          {note}
        </small>
      ) : (
        ""
      )}
    </>
  );
}
