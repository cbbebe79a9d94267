type FieldProps = {
  name: string;
  label: string;
  error?: string;
  hint?: string;
  id?: string;
} & Omit<JSX.HtmlInputTag, "id">;

/**
 * A labelled input whose error or hint sits right under it and is tied to it for screen
 * readers. Its id is its name unless given: a page with two forms gives each field its own.
 */
export function Field({ name, label, error, hint, id = name, ...input }: FieldProps) {
  const noteId = `${id}-note`;
  const note = error ?? hint;
  return (
    <>
      <label for={id} safe>
        {label}
      </label>
      <input
        id={id}
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
