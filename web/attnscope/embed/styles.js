// Styles of <attnscope-view> beyond the views' own stylesheet (views/views.css, which the element
// puts in its shadow root): the host box, the themed frame (its background is the theme's, so a dark
// element stays dark on a light page) and the status line.
// The views' tooltip is a child of document.body, outside every shadow root: tooltipCss() picks its
// rules out of the views' stylesheet for the page.

export const ELEMENT_CSS = `
:host { display: block; position: relative; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  overflow-x: auto; text-align: left; }
.attnscope-embed-frame { color: var(--attnscope-text, #1b1b1b); background: var(--attnscope-background, #fff); }
:host([hidden]) { display: none; }
.attnscope-embed-status { margin: 4px 0; color: var(--attnscope-muted, #555); }
.attnscope-embed-status[hidden] { display: none; }
.attnscope-embed-error { color: #a40000; white-space: pre-wrap; }
.attnscope-embed-stage { min-height: 24px; }
`;

/** The .attnscope-tooltip rules of `viewsCss` (empty when it has none). */
export function tooltipCss(viewsCss) {
  if (!viewsCss || typeof CSSStyleSheet !== 'function') return '';
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(viewsCss);
  return [...sheet.cssRules].filter((rule) => rule.selectorText?.includes('attnscope-tooltip'))
    .map((rule) => rule.cssText).join('\n');
}
