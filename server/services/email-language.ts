// The language of an email to a team member (an invitation, an alert digest): the console's language menu — English,
// or Chinese as Simplified or as Taiwan's or Hong Kong's Traditional. The emails' words are written in English and
// Simplified; a Traditional reader's are converted from the Simplified ones (chinese-script.ts), names left as written.
import { Type } from 'typebox';
import { convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { traditionalConverter, type TraditionalVariant } from './chinese-script.ts';

export type EmailLanguage = 'en' | 'zh' | TraditionalVariant;

export const EMAIL_LANGUAGES: readonly EmailLanguage[] = ['en', 'zh', 'zh-TW', 'zh-HK'];

/** A request's or a stored preference's email language: zh is Simplified, zh-TW / zh-HK Traditional. */
export const EmailLanguageSchema = Type.Union([Type.Literal('en'), Type.Literal('zh'), Type.Literal('zh-TW'), Type.Literal('zh-HK')]);

export function isEmailLanguage(value: unknown): value is EmailLanguage {
  return typeof value === 'string' && (EMAIL_LANGUAGES as readonly string[]).includes(value);
}

/** Whether the language is Chinese, in either script (for punctuation and list separators). */
export const isChinese = (language: EmailLanguage): boolean => language !== 'en';

/** The words of an `{ en, zh }` dictionary in this language: Traditional converted from the Simplified. */
export async function emailWordsIn<W>(words: { en: W; zh: W }, language: EmailLanguage): Promise<W> {
  if (language === 'en' || language === 'zh') return words[language];
  return convertedDictionary(words.zh, await traditionalConverter(language));
}
