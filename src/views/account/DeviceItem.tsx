import type { PropsWithChildren } from "@kitajs/html";
import { PostForm } from "../components/PostForm";

type DeviceItemProps = PropsWithChildren<{
  /** Unique in the page: the revoke button points at it, so a screen reader says which device. */
  nameId: string;
  device: string;
  current: boolean;
  /** A warning shown beside the name, such as a session still waiting for its code. */
  warning?: string;
  /** The form that ends this one; none for the session in use. */
  revoke?: { action: string; label: string; csrfToken: string; panel: string };
}>;

/** One session or trusted browser in a list: its name, what is known of it (children), and its revoke button. */
export function DeviceItem({ nameId, device, current, warning, revoke, children }: DeviceItemProps) {
  return (
    <li>
      <strong id={nameId} safe>
        {device}
      </strong>
      {current ? <mark>This browser</mark> : ""}
      {warning ? (
        <mark class="warning" safe>
          {warning}
        </mark>
      ) : (
        ""
      )}
      <small>{children}</small>
      {revoke ? (
        <PostForm action={revoke.action} csrfToken={revoke.csrfToken} panel={revoke.panel} class="inline">
          <button type="submit" class="secondary outline" aria-describedby={nameId} safe>
            {revoke.label}
          </button>
        </PostForm>
      ) : (
        ""
      )}
    </li>
  );
}
