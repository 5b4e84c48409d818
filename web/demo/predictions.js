// The demo's predictions panel: what the loaded model's own language-model head predicts at each
// position (model.run's topk). Encoders (masked LM, as exBERT): the token at the position; click a
// token to replace it by the mask token and see the predictions and the attention change. Decoders
// (as Transformer Explainer): the next token after the position; click to keep one position shown.
// Hovering or focusing a token shows its predictions. Token text reaches the DOM as textContent only.

export class PredictionsPanel {
  /**
   * @param onToggleMask (position) => void: an encoder's token was clicked
   * @param onSelect (position) => void: the position shown changed by a click
   */
  constructor(container, { onToggleMask, onSelect }) {
    this.container = container;
    this.onToggleMask = onToggleMask;
    this.onSelect = onSelect;
  }

  /** Hides the panel (no model, or nothing to show). */
  clear() {
    this.container.replaceChildren();
    this.container.hidden = true;
  }

  /**
   * tokens, topk ({ k, ids, probs, tokens } or null), causal, masked (positions), selected (a position
   * or null), maskToken ({ token } or null), problem (why the model cannot predict, or null).
   */
  update({ tokens, topk, causal, masked, selected, maskToken, problem }) {
    this.container.hidden = false;
    const heading = document.createElement('h2');
    heading.textContent = 'Predictions';
    const note = document.createElement('p');
    note.className = 'predictions-note';
    if (problem) {
      note.textContent = `This model cannot predict tokens: ${problem}`;
      this.container.replaceChildren(heading, note);
      return;
    }
    note.textContent = causal
      ? 'The next-token distribution after each position (the model\'s language-model head, softmax over the whole vocabulary). Hover or click a token.'
      : `What the masked-LM head predicts at each position. Hover a token to see them; click one to replace it by ${maskToken ? maskToken.token : 'the mask token'} (click again to restore it).`;
    const row = document.createElement('div');
    row.className = 'predictions-tokens';
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', 'tokens');
    const list = document.createElement('ol');
    list.className = 'predictions-list';
    list.setAttribute('aria-live', 'polite');
    const caption = document.createElement('p');
    caption.className = 'predictions-caption';
    const show = (i) => this.#showPosition(i, { tokens, topk, causal, caption, list, row });
    tokens.forEach((token, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'predictions-token';
      button.dataset.position = String(i);
      button.textContent = token;
      if (masked.includes(i)) button.classList.add('masked');
      if (!causal && !maskToken) button.disabled = true;
      button.addEventListener('mouseenter', () => show(i));
      button.addEventListener('focus', () => show(i));
      button.addEventListener('click', () => {
        if (causal) this.onSelect?.(i);
        else this.onToggleMask?.(i);
      });
      row.append(button);
    });
    this.container.replaceChildren(heading, note, row, caption, list);
    row.addEventListener('mouseleave', () => show(selected ?? defaultPosition(tokens, masked, causal)));
    show(selected ?? defaultPosition(tokens, masked, causal));
  }

  #showPosition(i, { tokens, topk, causal, caption, list, row }) {
    for (const b of row.children) b.classList.toggle('shown', Number(b.dataset.position) === i);
    caption.textContent = causal ? `After “${tokens[i]}” (position ${i}), the next token:`
      : `At position ${i} (“${tokens[i]}”), the model predicts:`;
    this.container.dataset.position = String(i);
    const items = [];
    for (let r = 0; r < topk.k; r++) {
      const p = topk.probs[i * topk.k + r];
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'predictions-name';
      name.textContent = topk.tokens[i * topk.k + r];
      const bar = document.createElement('span');
      bar.className = 'predictions-bar';
      bar.style.width = `${Math.max(1, Math.round(p * 160))}px`;
      const value = document.createElement('span');
      value.className = 'predictions-prob';
      value.textContent = `${(100 * p).toFixed(1)} %`;
      li.append(name, bar, value);
      items.push(li);
    }
    list.replaceChildren(...items);
  }
}

// An encoder opens on its first masked token, a decoder on its last position.
function defaultPosition(tokens, masked, causal) {
  if (!causal && masked.length) return masked[0];
  return causal ? tokens.length - 1 : Math.min(1, tokens.length - 1);
}
