// What an entry of the widget's allowed websites looks like: https://shop.example or https://*.shop.example (every
// subdomain), a port at most, no path. One pattern for the server's schema and the console's message naming a bad line.
export const ALLOWED_ORIGIN_PATTERN =
  '^https?://(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?$';
