// The choices a view offers above its drawing when the data holds more than one thing to draw, as
// BertViz's "Attention" dropdowns: the part of an encoder–decoder model (Encoder, Decoder, Cross) and,
// for a sentence pair, whose attention to whom (All, A → A, A → B, B → A, B → B).
import { KINDS, PAIR_FILTERS } from './attention-data.js';

/**
 * Appends to `bar` a part selector (when `d` comes from encoder–decoder data with more than one part)
 * and a sentence-pair selector (when `d` has sentence B). Calls onKind(kind) or onPairFilter(filter)
 * when the user picks another; returns how many selectors were added.
 */
export function appendSelectors(bar, d, pairFilter, { onKind, onPairFilter }) {
  let added = 0;
  if (d.kinds.length > 1) {
    bar.append(labelledSelect('Attention ', 'attnscope-kind-select', d.kinds.map((k) => [k, KINDS[k]]), d.kind, onKind));
    added++;
  }
  if (d.sentenceBStart !== null) {
    bar.append(labelledSelect('Sentences ', 'attnscope-pair-select', Object.entries(PAIR_FILTERS), pairFilter, onPairFilter));
    added++;
  }
  return added;
}

/** A toolbar holding the selectors `d` needs, or null when it needs none. */
export function selectorBar(d, pairFilter, handlers) {
  const bar = document.createElement('div');
  bar.className = 'attnscope-toolbar';
  return appendSelectors(bar, d, pairFilter, handlers) ? bar : null;
}

/**
 * The options after the user picked another part: the pair filter goes back to 'all' (the new part
 * has its own token lists), and a head list naming heads the part may not have is dropped.
 */
export function optionsForKind(options, kind) {
  const { visibleHeads, ...rest } = options;
  return { ...rest, kind, pairFilter: 'all' };
}

/** "Cross · " before a panel's title for encoder–decoder data, "" otherwise. */
export function kindPrefix(d) {
  return d.kind ? `${KINDS[d.kind]} · ` : '';
}

/**
 * How a tooltip names query row i / key column j: "(#5)", or for cross-attention which model side
 * the token comes from, "(decoder #5)" / "(encoder #2)".
 */
export function tokenPlace(d, side, index) {
  if (d.kind !== 'cross') return `(#${index})`;
  return `(${side === 'query' ? 'decoder' : 'encoder'} #${index})`;
}

function labelledSelect(text, className, choices, selected, onPick) {
  const label = document.createElement('label');
  label.textContent = text;
  const select = document.createElement('select');
  select.className = className;
  for (const [value, name] of choices) select.append(new Option(name, value, false, value === selected));
  select.addEventListener('change', () => onPick(select.value));
  label.append(select);
  return label;
}
