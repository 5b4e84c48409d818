// <attnscope-view>: attnscope's head, model, matrix and step views as one custom element, for docs
// pages and notebooks. Everything it draws lives in its own shadow root, so several elements on one
// page (and the page's own styles) do not interfere; the only page-level things are the element's
// name and the views' shared tooltip.
//
//   <attnscope-view view="head" tokens='["a","b"]' attentions='[[[[1,0],[0.4,0.6]]]]'></attnscope-view>
//   el.data = { tokens, attentions }               // layers × heads × n × n, nested arrays or Float32Arrays
//   <attnscope-view view="step" text="Mark told Sam …" seed="3"></attnscope-view>  // the seeded transformer
//   <attnscope-view view="model" model="models/default/" text="Mark told Sam …"></attnscope-view>
//
// Attributes: view (head | model | matrix | step), tokens + attentions (JSON), or text (+ model folder
// URL; without one, the demo's seeded transformer: seed, d-model, heads, layers, causal; the step view
// needs the seeded transformer); layer, head,
// threshold (top % kept), normalize (global | row), hide-special, average-heads, visible-heads (JSON
// array: the head view's heads drawn first), theme (auto | light |
// dark; auto follows the page's prefers-color-scheme), sentence-b-start (index of the first token of
// a second sentence, as BertViz's sentence_b_start; carried in attentionData.sentenceBStart, not yet
// used for drawing).
// The host's data-state is loading | rendered | error; it fires `attnscope-render` (detail { view })
// after drawing and `attnscope-error` (detail { error }) when the input is bad.
import { viewToPNG, viewToSVG } from '../views/export.js';
import { HeadView } from '../views/head-view.js';
import { MatrixView } from '../views/matrix-view.js';
import { ModelView } from '../views/model-view.js';
import { StepView } from '../views/step-view.js';
import { applyTheme, checkTheme } from '../views/theme.js';
import { parseJsonAttribute, toViewData } from './data.js';
import { createModelSource, seededOptions, seededSource } from './sources.js';
import { ELEMENT_CSS, tooltipCss } from './styles.js';

const VIEWS = { head: HeadView, model: ModelView, matrix: MatrixView, step: StepView };
const OBSERVED = ['view', 'tokens', 'attentions', 'model', 'text', 'seed', 'd-model', 'heads', 'layers', 'causal',
  'layer', 'head', 'threshold', 'normalize', 'hide-special', 'average-heads', 'theme', 'sentence-b-start', 'visible-heads'];

/**
 * Defines <attnscope-view> once per page (later calls, e.g. from a second copy of the bundle in
 * another notebook output, are no-ops) and returns the class in use.
 * loadCore() -> Promise of the attnscope core (the bundle's, from the inlined wasm): needed only for
 * the text sources. viewsCss: the views' stylesheet text. Returns null where there is no DOM.
 */
export function defineAttnscopeView({ loadCore = null, viewsCss = '', name = 'attnscope-view' } = {}) {
  if (!globalThis.customElements) return null;  // no DOM (Node): nothing to define
  const existing = customElements.get(name);
  if (existing) return existing;
  const modelSource = loadCore ? createModelSource(loadCore) : null;
  customElements.define(name, class extends AttnscopeView {
    static get loadCore() { return loadCore; }
    static get modelSource() { return modelSource; }
    static get viewsCss() { return viewsCss; }
  });
  return customElements.get(name);
}

// The module also imports where there is no DOM (Node: tooling, type checks); the element needs one.
const ElementBase = globalThis.HTMLElement ?? class {};

export class AttnscopeView extends ElementBase {
  static get observedAttributes() { return OBSERVED; }

  #data = null;           // set through the property; wins over the attributes
  #renderQueued = false;
  #generation = 0;        // a newer render makes older asynchronous ones drop their result
  #frame;
  #status;
  #stage;
  #view = null;
  #drawn = null;

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(shadow, `${this.constructor.viewsCss ?? ''}\n${ELEMENT_CSS}`);
    this.#status = document.createElement('p');
    this.#status.className = 'attnscope-embed-status';
    this.#status.setAttribute('role', 'status');
    this.#stage = document.createElement('div');
    this.#stage.className = 'attnscope-embed-stage';
    this.#stage.setAttribute('part', 'stage');
    // The theme's class sits on a frame around status and views: the views inherit its colours.
    this.#frame = document.createElement('div');
    this.#frame.className = 'attnscope-embed-frame';
    this.#frame.append(this.#status, this.#stage);
    applyTheme(this.#frame, 'auto');
    shadow.append(this.#frame);
  }

  /** { tokens, attentions } (layers × heads × n × n nested arrays, or one Float32Array per layer). */
  get data() { return this.#data; }
  set data(value) {
    this.#data = value;
    this.#queueRender();
  }

  /** The view object drawn last (HeadView, ModelView, MatrixView or StepView from web/views/). */
  get view() { return this.#view; }

  /**
   * What is drawn now: { tokens, attentions: one Float32Array [heads*n*n] per layer, numHeads,
   * sentenceBStart (null when there is no second sentence) }, or null.
   */
  get attentionData() { return this.#drawn; }

  /** SVG document (string) of what the element shows now, from the views' SVG export. */
  toSVG() {
    this.#requireRendered('toSVG');
    return viewToSVG(this.#stage);
  }

  /** PNG (Promise of a Blob) of what the element shows now. */
  toPNG() {
    this.#requireRendered('toPNG');
    return viewToPNG(this.#stage);
  }

  #requireRendered(what) {
    if (this.dataset.state !== 'rendered') {
      throw new Error(`<attnscope-view>.${what}(): nothing drawn yet (state: ${this.dataset.state ?? 'not connected'}); wait for the attnscope-render event`);
    }
  }

  connectedCallback() {
    installTooltipStyle(this.ownerDocument, this.constructor.viewsCss);
    this.#queueRender();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.#queueRender();
  }

  // Attribute changes arrive one by one: draw once after the current task's changes.
  #queueRender() {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    queueMicrotask(() => {
      this.#renderQueued = false;
      if (this.isConnected) this.#render();
    });
  }

  async #render() {
    const generation = ++this.#generation;
    const viewName = this.getAttribute('view') ?? 'head';
    try {
      const theme = checkTheme(this.getAttribute('theme') ?? 'auto', '<attnscope-view> attribute "theme"');
      applyTheme(this.#frame, theme);
      const ViewClass = VIEWS[viewName];
      if (!ViewClass) {
        throw new RangeError(`<attnscope-view> attribute "view": expected head, model, matrix or step, got "${viewName}"`);
      }
      this.#setState('loading', 'attnscope: computing…');
      const input = await this.#input();
      if (generation !== this.#generation) return;
      const data = { ...toViewData(input), sentenceBStart: this.#sentenceBStart(input) };
      if (viewName === 'step' && !input.steps) {
        throw new TypeError('<attnscope-view view="step">: the step view needs "text" (with or without "model"): ' +
          'attentions given as data carry no intermediate steps');
      }
      this.#stage.replaceChildren();
      const view = new ViewClass(this.#stage, {});
      const options = { ...this.#viewOptions(data), theme };
      if (viewName === 'step') view.update(input.steps, { head: options.head ?? 0 });
      else view.update(data, options);
      this.#view = view;
      this.#drawn = data;
      this.#setState('rendered', '');
      this.dispatchEvent(new CustomEvent('attnscope-render', { detail: { view: viewName } }));
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#stage.replaceChildren();
      this.#view = null;
      this.#drawn = null;
      this.#setState('error', `attnscope: ${error?.message ?? error}`);
      this.dispatchEvent(new CustomEvent('attnscope-error', { detail: { error } }));
    }
  }

  // { tokens, attentions, steps? } from the property, the JSON attributes or a text source.
  async #input() {
    if (this.#data) return this.#data;
    const attentions = this.getAttribute('attentions');
    if (attentions !== null) {
      const tokens = this.getAttribute('tokens');
      if (tokens === null) throw new TypeError('<attnscope-view>: the "attentions" attribute needs a "tokens" attribute (JSON array of strings)');
      return { tokens: parseJsonAttribute(tokens, 'tokens'), attentions: parseJsonAttribute(attentions, 'attentions') };
    }
    const text = this.getAttribute('text');
    if (text === null) {
      throw new TypeError('<attnscope-view>: give "tokens" and "attentions" (JSON attributes or the data property), or "text" (and optionally "model")');
    }
    if (!text.trim()) throw new TypeError('<attnscope-view> attribute "text": expected a sentence, got an empty one');
    const { loadCore, modelSource } = this.constructor;
    if (!loadCore) throw new Error('<attnscope-view>: this build has no attnscope core; use the attnscope-embed.js bundle for "text"');
    const model = this.getAttribute('model');
    if (model !== null) {
      return modelSource(new URL(model, this.ownerDocument.baseURI).href, text, Number(this.getAttribute('layer') ?? 0));
    }
    return seededSource(loadCore, text, seededOptions(this));
  }

  // The first token of sentence B: the attribute, else the data's field; null when neither is set.
  #sentenceBStart(input) {
    const attribute = this.getAttribute('sentence-b-start');
    const value = attribute !== null ? Number(attribute) : input.sentenceBStart ?? null;
    if (value === null) return null;
    const n = input.tokens.length;
    if (!Number.isInteger(value) || value < 0 || value >= n) {
      const given = attribute !== null ? `"${attribute}"` : JSON.stringify(input.sentenceBStart);
      throw new RangeError(`<attnscope-view> ${attribute !== null ? 'attribute "sentence-b-start"' : 'data.sentenceBStart'}: expected an integer from 0 to ${n - 1} (a token index), got ${given}`);
    }
    return value;
  }

  #viewOptions(data) {
    const int = (name) => {
      const v = this.getAttribute(name);
      if (v === null) return undefined;
      const x = Number(v);
      if (!Number.isInteger(x) || x < 0) throw new RangeError(`<attnscope-view> attribute "${name}": expected an integer >= 0, got "${v}"`);
      return x;
    };
    const layer = int('layer') ?? 0;
    if (layer >= data.attentions.length) {
      throw new RangeError(`<attnscope-view> attribute "layer": expected 0 to ${data.attentions.length - 1}, got ${layer}`);
    }
    const head = int('head');
    if (head !== undefined && head >= data.numHeads) {
      throw new RangeError(`<attnscope-view> attribute "head": expected 0 to ${data.numHeads - 1}, got ${head}`);
    }
    const options = { layer, hideSpecial: this.hasAttribute('hide-special'), averageHeads: this.hasAttribute('average-heads') };
    if (head !== undefined) options.head = head;
    const threshold = this.getAttribute('threshold');
    if (threshold !== null) {
      const t = Number(threshold);
      if (!(t > 0 && t <= 100)) throw new RangeError(`<attnscope-view> attribute "threshold": expected a percentage in (0, 100], got "${threshold}"`);
      options.threshold = t;
    }
    const normalize = this.getAttribute('normalize');
    if (normalize !== null) {
      if (normalize !== 'global' && normalize !== 'row') throw new RangeError(`<attnscope-view> attribute "normalize": expected global or row, got "${normalize}"`);
      options.normalize = normalize;
    }
    const visibleHeads = this.getAttribute('visible-heads');
    if (visibleHeads !== null) {
      const heads = parseJsonAttribute(visibleHeads, 'visible-heads');
      if (!Array.isArray(heads) || heads.some((h) => !Number.isInteger(h) || h < 0 || h >= data.numHeads)) {
        throw new RangeError(`<attnscope-view> attribute "visible-heads": expected a JSON array of head indices from 0 to ${data.numHeads - 1}, got ${visibleHeads}`);
      }
      options.visibleHeads = heads;
    }
    return options;
  }

  #setState(state, message) {
    this.dataset.state = state;
    this.#status.textContent = message;
    this.#status.hidden = !message;
    this.#status.classList.toggle('attnscope-embed-error', state === 'error');
  }
}

// Constructed stylesheets are not inline styles, so the element works under a strict page CSP
// (style-src without 'unsafe-inline'); one sheet per CSS text is shared by every element.
const sheets = new Map();
function adoptStyles(target, css) {
  if (typeof CSSStyleSheet === 'function' && 'adoptedStyleSheets' in Document.prototype) {
    let sheet = sheets.get(css);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      sheets.set(css, sheet);
    }
    target.adoptedStyleSheets = [...target.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  (target.head ?? target).append(style);
}

// The views' tooltip is one element appended to document.body (outside every shadow root), so its
// style must reach the page: adopted once per document (per copy of this module).
const styledDocuments = new WeakSet();
function installTooltipStyle(doc, viewsCss) {
  if (styledDocuments.has(doc)) return;
  styledDocuments.add(doc);
  const css = tooltipCss(viewsCss);
  if (css) adoptStyles(doc, css);
}
