// Styles of <attnscope-view> beyond the views' own stylesheet (web/views/views.css, which the bundle
// puts in each element's shadow root): the host box and the status line.
// The views' tooltip is a child of document.body, outside every shadow root: tooltipCss() picks its
// rules out of the views' stylesheet for the page.

export const ELEMENT_CSS = `
:host { display: block; position: relative; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #1b1b1b; background: #fff; overflow-x: auto; text-align: left; }
:host([hidden]) { display: none; }
.attnscope-embed-status { margin: 4px 0; color: #555; }
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
