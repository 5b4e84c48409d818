// Light and dark themes of the views. The colours live in CSS custom properties (views.css), so one
// class on any ancestor switches every view inside it, including what the views paint on canvases
// and the exports: attnscope-theme-light, attnscope-theme-dark, or attnscope-theme-auto (dark when
// the page's prefers-color-scheme is dark). Without any of them the views are light.

export const THEMES = Object.freeze(['auto', 'light', 'dark']);

const LIGHT = Object.freeze({ background: '#fff', text: '#222', muted: '#555', focus: '#ffe08a', mean: '#444' });

/** Checks a theme option; `what` names it in the error. */
export function checkTheme(theme, what = 'theme') {
  if (!THEMES.includes(theme)) {
    throw new RangeError(`${what}: expected ${THEMES.join(', ')}, got ${JSON.stringify(theme)}`);
  }
  return theme;
}

/** Puts `theme` (auto | light | dark) on `element`, replacing the theme it had. */
export function applyTheme(element, theme) {
  checkTheme(theme);
  element.classList.remove(...THEMES.map((t) => `attnscope-theme-${t}`));
  element.classList.add(`attnscope-theme-${theme}`);
}

/** The colours in force at `element` (which must be in the document), for canvas painting. */
export function palette(element) {
  const style = element.isConnected ? getComputedStyle(element) : null;
  const read = (name) => style?.getPropertyValue(`--attnscope-${name}`).trim() || LIGHT[name];
  return { background: read('background'), text: read('text'), muted: read('muted'), focus: read('focus'), mean: read('mean') };
}
