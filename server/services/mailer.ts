// Outgoing email (nodemailer over SMTP_URL). Email is optional: without
// SMTP_URL nothing is queued or sent, and the start log says so once.
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Our own Message-ID ("<…@host>"), recorded before sending so a reply's In-Reply-To finds the conversation. */
  messageId?: string;
  replyTo?: string;
  /** Threading: the previous email of the same conversation, and the chain before it. */
  inReplyTo?: string;
  references?: string[];
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/** Whether follow-up emails are on (an SMTP server is configured). */
export const emailEnabled = (config: Pick<Config, 'smtpUrl'>): boolean => config.smtpUrl !== '';

/** One line for the start log: on or off, and to which host (never the credentials in the URL). */
export function describeEmail(config: Pick<Config, 'smtpUrl' | 'emailFollowupDelaySeconds'>): string {
  if (!emailEnabled(config)) return 'Email follow-ups: off (set SMTP_URL to email agents\' replies to shoppers who left)';
  const url = new URL(config.smtpUrl);
  return `Email follow-ups: on, via ${url.protocol.replace(':', '')}://${url.host} (replies unseen after ${config.emailFollowupDelaySeconds} s are emailed)`;
}

/** One line for the start log: whether shoppers' email replies come back into the chat, and how they are matched. */
export function describeInboundEmail(config: Pick<Config, 'inboundEmailSecret' | 'inboundEmailAddress'>): string {
  if (!config.inboundEmailSecret) return 'Inbound email: off (set INBOUND_EMAIL_SECRET to post shoppers\' email replies into the chat via POST /api/email/inbound)';
  const via = config.inboundEmailAddress
    ? `replies to ${config.inboundEmailAddress.replace('@', '+<conversation>@')} or In-Reply-To`
    : 'In-Reply-To only (set INBOUND_EMAIL_ADDRESS for a Reply-To address per conversation)';
  return `Inbound email: on, POST /api/email/inbound, matched by ${via}`;
}

/** The From address: MAIL_FROM as given, or the shop's name at no-reply@ the public host. */
export function senderAddress(config: Pick<Config, 'mailFrom' | 'shopName' | 'publicUrl'>): string {
  if (config.mailFrom) return config.mailFrom;
  const name = config.shopName.replace(/["\\\r\n]/g, '');
  return `"${name}" <no-reply@${new URL(config.publicUrl).hostname}>`;
}

/** An SMTP answer that will not change on a retry (5xx: unknown mailbox, refused sender, policy). */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** A short reason for the follow-up's record: the server's answer when there is one. */
export function smtpErrorText(error: unknown): string {
  const e = error as { response?: string; message?: string; code?: string };
  return String(e.response ?? e.message ?? e.code ?? error).slice(0, 500);
}

export function createMailer(config: Pick<Config, 'smtpUrl'>): Mailer {
  if (!emailEnabled(config)) throw new Error('createMailer: SMTP_URL is not set');
  // Bounded waits: a mail server that stops answering must fail the attempt (and be retried), not hold the job.
  const transport = nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(email) {
      const info = await transport.sendMail(email);
      return { messageId: String(info.messageId ?? '') };
    },
    close: () => transport.close(),
  };
}
