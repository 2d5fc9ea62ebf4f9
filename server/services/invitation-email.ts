// The invitation email a new team member gets (server/services/invitations.ts sends it): who invited them to which
// shop's console, the link to choose their password, and when it stops working. Plain text and HTML, every value
// escaped in the HTML (names are typed by admins). English, or Chinese for a member who answers in Chinese only or
// when the inviting admin's console is in Chinese (invitationLanguage), in the script of the admin's console.
import { escapeHtml } from './email-followup-content.ts';
import { emailWordsIn, type EmailLanguage } from './email-language.ts';

export type InvitationLanguage = EmailLanguage;

export interface InvitationContent {
  shopName: string;
  memberName: string;
  inviterName: string;
  role: 'agent' | 'admin';
  acceptUrl: string;
  expiresAt: Date;
}

/**
 * The member's own language when the admin gave them exactly one (what they answer chats in); else the language of
 * the admin's console when it was sent; else English. Chinese is written in the script of the admin's console when it
 * is Chinese too (a Taiwan shop's admin reads Traditional, and so, most likely, does the member).
 */
export function invitationLanguage(memberLanguages: readonly string[], adminLanguage: InvitationLanguage | undefined): InvitationLanguage {
  const adminsChinese = adminLanguage && adminLanguage !== 'en' ? adminLanguage : 'zh';
  if (memberLanguages.length === 1 && memberLanguages[0] === 'en') return 'en';
  if (memberLanguages.length === 1 && memberLanguages[0] === 'zh') return adminsChinese;
  return adminLanguage ?? 'en';
}

const WORDS = {
  en: {
    subject: (shop: string) => `You're invited to the ${shop} support console`,
    hello: (name: string) => `Hello ${name},`,
    invited: (inviter: string, shop: string, role: string) => `${inviter} added you to the ${shop} support team as ${role}.`,
    role: { agent: 'an agent', admin: 'an admin' },
    action: 'Choose your password',
    instructions: 'Open this link to choose your password and sign in:',
    expires: (day: string) => `The link works once and until ${day} (UTC). If it has expired, ask an admin to send a new one.`,
    ignore: 'If you did not expect this, you can ignore this email.',
  },
  zh: {
    subject: (shop: string) => `邀请您加入 ${shop} 客服工作台`,
    hello: (name: string) => `${name}，您好：`,
    invited: (inviter: string, shop: string, role: string) => `${inviter} 已将您添加到 ${shop} 客服团队，角色为${role}。`,
    role: { agent: '客服', admin: '管理员' },
    action: '设置您的密码',
    instructions: '请打开以下链接设置密码并登录：',
    expires: (day: string) => `此链接只能使用一次，有效期至 ${day}（UTC）。如已过期，请联系管理员重新发送。`,
    ignore: '如果您并未预期收到此邮件，请忽略。',
  },
};

export async function invitationEmail(content: InvitationContent, language: InvitationLanguage): Promise<{ subject: string; text: string; html: string }> {
  const w = await emailWordsIn(WORDS, language);
  const day = `${content.expiresAt.toISOString().slice(0, 16).replace('T', ' ')}`;
  const invited = w.invited(content.inviterName, content.shopName, w.role[content.role]);
  const text = [
    w.hello(content.memberName), '', invited, '', w.instructions, content.acceptUrl, '', w.expires(day), '', w.ignore, '',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(w.hello(content.memberName))}</p>`,
    `<p>${escapeHtml(invited)}</p>`,
    `<p><a href="${escapeHtml(content.acceptUrl)}"><strong>${escapeHtml(w.action)}</strong></a></p>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(w.expires(day))}<br>${escapeHtml(w.ignore)}</p>`,
  ].join('\n');
  return { subject: w.subject(content.shopName), text, html };
}
