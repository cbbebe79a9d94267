import type { PropsWithChildren } from "@kitajs/html";

/** A plain link that htmx turns into an in-place swap of `#main`, keeping the address bar in step. */
export function SwapLink({ href, class: className, children }: PropsWithChildren<{ href: string; class?: string }>) {
  return (
    <a href={href} class={className} hx-get={href} hx-target="#main" hx-push-url="true">
      {children}
    </a>
  );
}
