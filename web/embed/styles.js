// Styles of <attnscope-view>. ELEMENT_CSS lives in each element's shadow root (after the views'
// own stylesheet when the bundle has one, so it only sets what the element itself needs: the host
// box, the status line, and a readable layout of the views' parts when no page CSS reaches them).
// TOOLTIP_CSS goes to the page once: the views' tooltip is a child of document.body.

export const ELEMENT_CSS = `
:host { display: block; position: relative; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #1b1b1b; background: #fff; overflow-x: auto; contain: content; }
:host([hidden]) { display: none; }
.attnscope-embed-status { margin: 4px 0; color: #555; }
.attnscope-embed-status[hidden] { display: none; }
.attnscope-embed-error { color: #a40000; white-space: pre-wrap; }
.attnscope-embed-stage { min-height: 24px; }
.attnscope-toolbar { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 4px 0 8px; }
.attnscope-swatches { display: flex; flex-wrap: wrap; gap: 4px; }
.attnscope-swatch { min-width: 26px; border: 2px solid var(--swatch, #888); border-radius: 4px;
  background: var(--swatch, #888); color: #fff; font: inherit; font-size: 11px; cursor: pointer; padding: 1px 4px; }
.attnscope-swatch[aria-pressed="false"], .attnscope-swatch.attnscope-off { background: #fff; color: #333; }
.attnscope-grid { display: flex; flex-wrap: wrap; gap: 12px; }
.attnscope-panel { margin: 0; }
.attnscope-panel figcaption { margin-bottom: 4px; }
.attnscope-subtitle, .attnscope-note { color: #555; }
.attnscope-canvas-wrap { position: relative; display: inline-block; }
.attnscope-overlay { position: absolute; left: 0; top: 0; pointer-events: none; }
.attnscope-scroll { overflow: auto; max-width: 100%; }
.attnscope-model-grid { border-collapse: collapse; }
.attnscope-model-grid th { font-weight: normal; color: #555; padding: 2px 4px; white-space: nowrap; }
.attnscope-thumb { padding: 1px; border: 2px solid transparent; background: none; cursor: pointer; line-height: 0; }
.attnscope-thumb:hover, .attnscope-thumb:focus-visible, .attnscope-thumb.attnscope-selected { border-color: #0072b2; }
.attnscope-thumb canvas { image-rendering: pixelated; }
.attnscope-dialog { max-width: calc(100vw - 40px); max-height: calc(100vh - 40px); overflow: auto; }
.attnscope-close { float: right; }
canvas:focus-visible { outline: 2px solid #0072b2; outline-offset: 2px; }
`;

export const TOOLTIP_CSS = `
.attnscope-tooltip { position: fixed; z-index: 2147483647; pointer-events: none; white-space: pre;
  font: 12px/1.35 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; color: #fff;
  background: rgba(20, 20, 20, 0.92); padding: 5px 8px; border-radius: 4px; max-width: 60ch; }
.attnscope-tooltip[hidden] { display: none; }
`;
