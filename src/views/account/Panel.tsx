import type { PropsWithChildren } from "@kitajs/html";

type PanelProps = PropsWithChildren<{
  id: string;
  title: string;
  /** A message about what the last action did, announced to screen readers. */
  notice?: string;
  /** Sent beside another panel's answer, for htmx to swap in by id. */
  outOfBand?: boolean;
}>;

/** One panel of the account page: the unit that forms replace in place. */
export function Panel({ id, title, notice, outOfBand = false, children }: PanelProps) {
  return (
    <section class="card panel" id={id} aria-labelledby={`${id}-title`} hx-swap-oob={outOfBand ? "true" : undefined}>
      <h2 id={`${id}-title`} safe>
        {title}
      </h2>
      {notice ? (
        <p class="notice" role="status" safe>
          {notice}
        </p>
      ) : (
        ""
      )}
      {children}
    </section>
  );
}
