import type { Mailer } from "../index";

/**
 * Email over SMTP with nodemailer, from `from`, to the server `url` names (`smtp://user:pass@host:587`,
 * or `smtps://` for TLS from the start). nodemailer is loaded at the first message, so a demo
 * without SMTP_URL never loads it.
 */
export function smtpMailer(url: string, from: string): Mailer {
  let transport: Promise<{ sendMail(message: object): Promise<unknown> }> | undefined;
  return {
    async send(message) {
      transport ??= import("nodemailer").then(({ createTransport }) => createTransport(url));
      await (await transport).sendMail({ from, ...message });
    },
  };
}
