// A new article's address part from its title ("Shipping to Japan?" → "shipping-to-japan"), offered until the admin
// types one. Accents are dropped; a title with no Latin letters or digits (a Chinese one) gives "" and the admin
// names the slug, since the same article in English usually shares it.
export const MAX_SLUG_LENGTH = 100;

export function slugFromTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
}
