// Type declarations for `attnscope/embed` (and, re-exported, `attnscope/embed/bundle`): the
// <attnscope-view> custom element. Importing the module defines the element on the page.
import type { Core, LoadOptions } from '../attnscope.js';
import type { Theme } from '../views/index.js';

export { version } from '../attnscope.js';

/** layers × heads × rows × columns nested arrays, or one Float32Array [heads*rows*columns] per layer. */
export type AttnscopeAttentions =
  readonly (readonly (readonly (readonly number[] | Float32Array)[])[])[] | readonly Float32Array[];

/** One sequence's self-attention (rows and columns: tokens). */
export interface AttnscopeSequenceData {
  tokens: readonly string[];
  attentions: AttnscopeAttentions;
  /**
   * Index of the first token of sentence B (BertViz's sentence_b_start); the `sentence-b-start`
   * attribute wins over it. The views then filter by sentence (`pair-filter`).
   */
  sentenceBStart?: number | null;
}

/** Attention whose queries (rows) and keys (columns) are different tokens. */
export interface AttnscopeRectangularData {
  queryTokens: readonly string[];
  keyTokens: readonly string[];
  attentions: AttnscopeAttentions;
}

/** An encoder–decoder model; cross may leave out its token lists (the decoder's and the encoder's). */
export interface AttnscopeEncoderDecoderData {
  encoder?: AttnscopeSequenceData;
  decoder?: AttnscopeSequenceData;
  cross?: { attentions: AttnscopeAttentions; queryTokens?: readonly string[]; keyTokens?: readonly string[] };
}

/** What <attnscope-view> takes as `el.data`. */
export type AttnscopeViewData = AttnscopeSequenceData | AttnscopeRectangularData | AttnscopeEncoderDecoderData;

interface DrawnPart { attentions: Float32Array[]; numHeads: number }

/** What the element drew (`el.attentionData`), in the views' layout; sentenceBStart is null without a pair. */
export type AttnscopeDrawnData = { sentenceBStart: number | null } & (
  | (DrawnPart & { tokens: string[] })
  | (DrawnPart & { queryTokens: string[]; keyTokens: string[] })
  | { encoder?: DrawnPart & { tokens: string[] }; decoder?: DrawnPart & { tokens: string[] };
      cross?: DrawnPart & { queryTokens: string[]; keyTokens: string[] } });

export type AttnscopeViewName = 'head' | 'model' | 'matrix' | 'step';

/**
 * <attnscope-view view="head|model|matrix|step" tokens='[…]' attentions='[[[[…]]]]'
 *   | query-tokens='[…]' key-tokens='[…]' attentions='[[[[…]]]]'
 *   | encoder-tokens='[…]' decoder-tokens='[…]' [encoder-attentions decoder-attentions cross-attentions]='[[[[…]]]]'
 *   | text="…" [text-pair="…"] [model="folder/"] [seed d-model heads layers causal]
 *   [layer head threshold normalize="global|row" hide-special average-heads visible-heads="[0,2]"
 *    theme="auto|light|dark" kind="encoder|decoder|cross"
 *    sentence-b-start="k" pair-filter="all|aa|ab|ba|bb"]>
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
