import type { PropsWithChildren } from "@kitajs/html";

type PostFormProps = PropsWithChildren<{ action: string; csrfToken: string; class?: string }>;

/**
 * A form that posts normally without JavaScript, and with htmx swaps the answer into
 * `#main` in place, disabling its button while the request is in flight.
 */
export function PostForm({ action, csrfToken, class: className, children }: PostFormProps) {
  return (
    <form
      method="post"
      action={action}
      class={className}
      hx-post={action}
      hx-target="#main"
      hx-disabled-elt="find button"
      hx-indicator="this"
    >
      <input type="hidden" name="csrf" value={csrfToken} />
      {children}
    </form>
  );
}
