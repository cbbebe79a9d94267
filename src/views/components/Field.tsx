import { attributeText } from "../attribute";

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
 * A field in error takes the focus, unless its form says which field does (`autofocus`).
 */
export function Field({ name, label, error, hint, id = name, value, ...input }: FieldProps) {
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
        value={typeof value === "string" ? attributeText(value) : value}
        autofocus={input.autofocus ?? (error ? true : undefined)}
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

/** Of a form's fields in order, the one to put the cursor in: the first one in error. */
export function firstInError<Name extends string>(
  order: readonly Name[],
  errors: Partial<Record<Name, string>>,
): Name | undefined {
  return order.find((name) => errors[name]);
}
