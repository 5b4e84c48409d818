// Type declarations for `attnscope/embed` (and, re-exported, `attnscope/embed/bundle`): the
// <attnscope-view> custom element. Importing the module defines the element on the page.
import type { Core, LoadOptions } from '../attnscope.js';
import type { Theme } from '../views/index.js';

export { version } from '../attnscope.js';

/** What <attnscope-view> takes as `el.data`. */
export interface AttnscopeViewData {
  tokens: readonly string[];
  /** layers × heads × n × n nested arrays, or one Float32Array [heads*n*n] per layer. */
  attentions: readonly (readonly (readonly (readonly number[] | Float32Array)[])[])[] | readonly Float32Array[];
  /**
   * Index of the first token of sentence B (BertViz's sentence_b_start); the `sentence-b-start`
   * attribute wins over it. Carried into `attentionData.sentenceBStart`; the views do not filter by it yet.
   */
  sentenceBStart?: number | null;
}

/** What the element drew: `el.attentionData`. */
export interface AttnscopeDrawnData {
  tokens: string[];
  attentions: Float32Array[];
  numHeads: number;
  sentenceBStart: number | null;
}

export type AttnscopeViewName = 'head' | 'model' | 'matrix' | 'step';

/**
 * <attnscope-view view="head|model|matrix|step" tokens='[…]' attentions='[[[[…]]]]'
 *   | text="…" [model="folder/"] [seed d-model heads layers causal]
 *   [layer head threshold normalize="global|row" hide-special average-heads visible-heads="[0,2]"
 *    theme="auto|light|dark"
 *    sentence-b-start="k"]>
 * data-state: loading | rendered | error. Events: attnscope-render { view }, attnscope-error { error }.
 */
export declare class AttnscopeView extends HTMLElement {
  data: AttnscopeViewData | null;
  /** The view object drawn last (HeadView, ModelView, MatrixView or StepView of attnscope/views). */
  readonly view: object | null;
  readonly attentionData: AttnscopeDrawnData | null;
  /** SVG document of what is drawn (throws before the first attnscope-render). */
  toSVG(): string;
  /** PNG of what is drawn (throws before the first attnscope-render). */
  toPNG(): Promise<Blob>;
}

/** Defines the element under `name` once per page; returns the class in use (null without a DOM). */
export declare function defineAttnscopeView(options?: {
  loadCore?: (() => Promise<Core>) | null; viewsCss?: string; name?: string;
}): typeof AttnscopeView | null;

/** The core the elements use (one per page; with options, a separate one as `attnscope`'s load()). */
export declare function load(options?: LoadOptions): Promise<Core>;

export type { Theme };

declare global {
  interface HTMLElementTagNameMap {
    'attnscope-view': AttnscopeView;
  }
  interface HTMLElementEventMap {
    'attnscope-render': CustomEvent<{ view: AttnscopeViewName }>;
    'attnscope-error': CustomEvent<{ error: Error }>;
  }
}
