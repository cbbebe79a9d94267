import { REPUDIATION_DAYS } from "../auth";
import type { SecurityNotice } from "./notices";

/** One plain-text email. The addresses are the person's own, checked to hold one address each. */
export type MailMessage = { to: string; subject: string; text: string };

/** How the auth sends email: a host's transport (SMTP through nodemailer, an API), given as an option. */
export type Mailer = { send(message: MailMessage): Promise<void> };

/** A security notice as an email: what happened, where from, and the link to undo it. */
export function noticeMail(appName: string, notice: SecurityNotice & { email: string }): MailMessage {
  return {
    to: notice.email,
    subject: `${appName}: ${notice.description}`,
    text: [
      `Account ${notice.username}: ${notice.description}.`,
      "",
      `When: ${notice.at}`,
      `Browser: ${notice.browser}`,
      `IP: ${notice.ip ?? "unknown"}`,
      "",
      "If this was you, there is nothing to do.",
      `If it was not, secure your account with this link (it works once, for ${REPUDIATION_DAYS} days):`,
      notice.repudiateUrl,
    ].join("\n"),
  };
}

/** The email that confirms an address for notices. */
export function confirmationMail(
  appName: string,
  username: string,
  to: string,
  link: string,
  hours: number,
): MailMessage {
  return {
    to,
    subject: `${appName}: confirm your email for security notices`,
    text: [
      `Someone signed in as ${username} asked for security notices to be sent to this address.`,
      "",
      `If it was you, open this link within ${hours} hours to confirm it:`,
      link,
      "",
      "If it was not, ignore this email: nothing will be sent here.",
    ].join("\n"),
  };
}
