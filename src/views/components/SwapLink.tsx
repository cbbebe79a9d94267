import type { PropsWithChildren } from "@kitajs/html";

/** A plain link that htmx turns into an in-place swap of `#main`, keeping the address bar in step. */
export function SwapLink({ href, role, children }: PropsWithChildren<{ href: string; role?: string }>) {
  return (
    <a href={href} role={role} hx-get={href} hx-target="#main" hx-push-url="true">
      {children}
    </a>
  );
}
