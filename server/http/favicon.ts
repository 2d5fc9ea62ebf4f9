// The pages' icon, inline (a data: URL their CSP allows), so browsers do not ask for a /favicon.ico that is not there.
const CHAT_BUBBLE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2563eb"/><path d="M8 9h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z" fill="#fff"/></svg>`;

export const FAVICON = `data:image/svg+xml,${encodeURIComponent(CHAT_BUBBLE_SVG)}`;
