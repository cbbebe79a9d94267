import type { AuthPaths } from "../../paths";
import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { ProofField, passkeyProof } from "../components/ProofField";
import type { FieldErrors } from "../field-errors";
import { Panel } from "./Panel";

type NoticeEmailPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  /** The address notices go to, or wait to go to until its link is opened; null for none. */
  email: string | null;
  confirmed: boolean;
  passkeyMayProve: boolean;
  recentUntil?: number | null;
  /** How long a confirmation link works. */
  linkHours: number;
  errors?: FieldErrors<"email" | "otp">;
  notice?: string;
  outOfBand?: boolean;
};

const PANEL = "notice-email";

/**
 * Optional: an address that hears of every change to how this account signs in, with a link to
 * say "This wasn't me". It takes effect once the link sent to it is opened.
 */
export function NoticeEmailPanel(props: NoticeEmailPanelProps) {
  const { paths, csrfToken, email, confirmed, passkeyMayProve, recentUntil, errors = {}, notice } = props;
  const proof = passkeyProof(paths.proofOptions, passkeyMayProve, recentUntil);
  const status = !email
    ? "None yet. Add one to hear of every change to how you sign in, wherever you are."
    : confirmed
      ? `Security notices go to ${email}.`
      : `Waiting for you to open the link we sent to ${email}: it works for ${props.linkHours} hours.`;
  return (
    <Panel id={PANEL} title="Email for security notices" notice={notice} outOfBand={props.outOfBand}>
      <p safe>{status}</p>
      <p>You need no email to use your account: it is only where we tell you of changes, and how to undo them.</p>
      <PostForm action={paths.noticeEmail} csrfToken={csrfToken} panel={PANEL} data={proof}>
        <Field
          id="notice-email-address"
          name="email"
          type="email"
          label={email ? "Another address" : "Email address"}
          value={email && !confirmed ? email : undefined}
          autocomplete="email"
          maxlength="254"
          required
          error={errors.email}
        />
        <ProofField
          id="notice-email-otp"
          error={errors.otp}
          passkeyMayProve={passkeyMayProve}
          recentUntil={recentUntil}
        />
        <button type="submit" class="secondary">
          {email && !confirmed ? "Send the link again" : "Send a confirmation link"}
        </button>
      </PostForm>
      {email ? (
        <PostForm action={paths.removeNoticeEmail} csrfToken={csrfToken} panel={PANEL} data={proof}>
          <ProofField id="notice-email-remove-otp" passkeyMayProve={passkeyMayProve} recentUntil={recentUntil} />
          <button type="submit" class="secondary outline">
            Stop sending notices
          </button>
        </PostForm>
      ) : (
        ""
      )}
    </Panel>
  );
}
