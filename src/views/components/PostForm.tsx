import type { PropsWithChildren } from "@kitajs/html";

type PostFormProps = PropsWithChildren<{
  action: string;
  csrfToken: string;
  class?: string;
  /** The id of the panel the answer replaces; without it, the answer fills `#main`. */
  panel?: string;
  /** `data-*` attributes for the script, such as where a WebAuthn ceremony gets its options. */
  data?: Record<`data-${string}`, string | boolean | undefined>;
}>;

/**
 * A form that posts normally without JavaScript, and with htmx swaps the answer in place
 * (into `#main`, or over its panel), disabling its button while the request is in flight.
 */
export function PostForm({ action, csrfToken, class: className, panel, data = {}, children }: PostFormProps) {
  return (
    <form
      {...data}
      method="post"
      action={action}
      class={className}
      hx-post={action}
      hx-target={panel ? `#${panel}` : "#main"}
      hx-swap={panel ? "outerHTML" : undefined}
      hx-disabled-elt="find button"
      hx-indicator="this"
    >
      <input type="hidden" name="csrf" value={csrfToken} />
      {children}
    </form>
  );
}
