// Entry of the console bundle (public/build/console.js): styles, language, then the app.
import { render } from 'preact';
import { App } from './app.tsx';
import { CONSOLE_CSS } from './styles.ts';
import { getLocale, setLocale } from './i18n.ts';

const style = document.createElement('style');
style.textContent = CONSOLE_CSS;
document.head.appendChild(style);
setLocale(getLocale());
render(<App />, document.getElementById('app')!);
