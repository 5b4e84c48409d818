// <attnscope-view>: attnscope's head, model, matrix and step views as one custom element, for docs
// pages and notebooks. Everything it draws lives in its own shadow root, so several elements on one
// page (and the page's own styles) do not interfere; the only page-level things are the element's
// name and the views' shared tooltip.
//
//   <attnscope-view view="head" tokens='["a","b"]' attentions='[[[[1,0],[0.4,0.6]]]]'></attnscope-view>
//   el.data = { tokens, attentions }               // layers × heads × n × n, nested arrays or Float32Arrays
//   el.data = { queryTokens, keyTokens, attentions }            // layers × heads × nQ × nK
//   el.data = { encoder, decoder, cross }          // an encoder–decoder model (see data.js)
//   <attnscope-view view="step" text="Mark told Sam …" seed="3"></attnscope-view>  // the seeded transformer
//   <attnscope-view view="model" model="models/default/" text="Mark told Sam …"></attnscope-view>
//
// Attributes: view (head | model | matrix | step); the data as JSON: tokens + attentions, query-tokens +
// key-tokens + attentions, or encoder-tokens + decoder-tokens with encoder-attentions,
// decoder-attentions and/or cross-attentions; or text (+ text-pair, a second sentence; + model folder
// URL; without one, the demo's seeded transformer: seed, d-model, heads, layers, causal; the step view
// needs the seeded transformer); layer, head,
// threshold (top % kept), normalize (global | row), hide-special, average-heads, visible-heads (JSON
// array: the head view's heads drawn first), theme (auto | light |
// dark; auto follows the page's prefers-color-scheme), sentence-b-start (index of the first token of
// a second sentence, as BertViz's sentence_b_start), pair-filter (all | aa | ab | ba | bb: which
// sentence's tokens attend to which), kind (encoder | decoder | cross: the part drawn first).
// The host's data-state is loading | rendered | error; it fires `attnscope-render` (detail { view })
// after drawing and `attnscope-error` (detail { error }) when the input is bad.
import { viewToPNG, viewToSVG } from '../views/export.js';
import { HeadView } from '../views/head-view.js';
import { MatrixView } from '../views/matrix-view.js';
import { ModelView } from '../views/model-view.js';
import { StepView } from '../views/step-view.js';
import { applyTheme, checkTheme } from '../views/theme.js';
import { attributeInput, toViewData } from './data.js';
import { viewOptions, withSentenceB } from './options.js';
import { createModelSource, seededOptions, seededSource } from './sources.js';
import { ELEMENT_CSS, tooltipCss } from './styles.js';

const VIEWS = { head: HeadView, model: ModelView, matrix: MatrixView, step: StepView };
const OBSERVED = ['view', 'tokens', 'attentions', 'query-tokens', 'key-tokens', 'encoder-tokens', 'decoder-tokens',
  'encoder-attentions', 'decoder-attentions', 'cross-attentions', 'model', 'text', 'text-pair', 'seed', 'd-model', 'heads',
  'layers', 'causal', 'layer', 'head', 'threshold', 'normalize', 'hide-special', 'average-heads', 'theme',
  'sentence-b-start', 'pair-filter', 'kind', 'visible-heads'];

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

  /**
   * { tokens, attentions, sentenceBStart? }, { queryTokens, keyTokens, attentions } or
   * { encoder, decoder, cross } (layers × heads × rows × columns nested arrays, or one Float32Array per layer).
   */
  get data() { return this.#data; }
  set data(value) {
    this.#data = value;
    this.#queueRender();
  }

  /** The view object drawn last (HeadView, ModelView, MatrixView or StepView from web/views/). */
  get view() { return this.#view; }

  /**
   * What is drawn now, in the views' layout (one Float32Array [heads*nQ*nK] per layer): { tokens,
   * attentions, numHeads, sentenceBStart (null when there is no second sentence) }, { queryTokens,
   * keyTokens, attentions, numHeads }, or { encoder, decoder, cross } of those; null before a draw.
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
      const data = withSentenceB(this, toViewData(input), input);
      if (viewName === 'step' && !input.steps) {
        throw new TypeError('<attnscope-view view="step">: the step view needs "text" (with or without "model"): ' +
          'attentions given as data carry no intermediate steps');
      }
      this.#stage.replaceChildren();
      const view = new ViewClass(this.#stage, {});
      const options = { ...viewOptions(this, data), theme };
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

  // The data (see data.js) or { tokens, attentions, sentenceBStart?, steps? } from the property, the
  // JSON attributes or a text source.
  async #input() {
    if (this.#data) return this.#data;
    const given = attributeInput(this);
    if (given) return given;
    const text = this.getAttribute('text');
    if (text === null) {
      throw new TypeError('<attnscope-view>: give "tokens" and "attentions" (JSON attributes or the data property), or "text" (and optionally "model")');
    }
    if (!text.trim()) throw new TypeError('<attnscope-view> attribute "text": expected a sentence, got an empty one');
    const { loadCore, modelSource } = this.constructor;
    if (!loadCore) throw new Error('<attnscope-view>: this build has no attnscope core; use the attnscope-embed.js bundle for "text"');
    const pair = this.getAttribute('text-pair');
    const textPair = pair?.trim() ? pair : undefined;  // an empty second box is no pair
    const model = this.getAttribute('model');
    if (model !== null) {
      return modelSource(new URL(model, this.ownerDocument.baseURI).href, text, Number(this.getAttribute('layer') ?? 0), textPair);
    }
    return seededSource(loadCore, text, seededOptions(this), textPair);
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
