// The head atlas in the model view: a badge on each thumbnail naming its dominant pattern (as the
// module's headAtlas labels it, data.atlas), every score on hover, the heads ranked by one pattern or
// filtered to those a pattern dominates, and notes on particular heads (e.g. "supervised").
//
//   data.atlas = { patterns: { previousToken: Float32Array [numLayers*numHeads], … }, dominant: (string|null)[] }
//   options.sortBy: a pattern name (heads ranked by it, strongest first) or null
//   options.atlasFilter: a pattern name ('broad' too): only the heads it dominates; or null
//   options.headNotes: [{ layer, head, label, title? }]: a second badge on those heads
export const PATTERNS = Object.freeze({
  previousToken: { label: 'previous token', badge: 'prev' },
  nextToken: { label: 'next token', badge: 'next' },
  self: { label: 'self', badge: 'self' },
  firstToken: { label: 'first token (sink)', badge: 'sink' },
  special: { label: 'special tokens', badge: 'sep' },
  induction: { label: 'induction', badge: 'ind' },
  broad: { label: 'broad', badge: 'broad' },
  entropy: { label: 'entropy (nats)', badge: null },
  copying: { label: 'copying (Δ loss, nats)', badge: null },
});

/** Checks data.atlas against the attention's shape; returns it, or null when absent. */
export function checkAtlas(atlas, numLayers, numHeads) {
  if (atlas === undefined || atlas === null) return null;
  const count = numLayers * numHeads;
  if (typeof atlas !== 'object' || typeof atlas.patterns !== 'object' || !Array.isArray(atlas.dominant)) {
    throw new TypeError('attention data: atlas must be { patterns, dominant } as headAtlas returns it');
  }
  if (atlas.dominant.length !== count) {
    throw new RangeError(`attention data: atlas.dominant has ${atlas.dominant.length} labels, expected ${numLayers}*${numHeads}`);
  }
  for (const [name, scores] of Object.entries(atlas.patterns)) {
    if (!(name in PATTERNS)) throw new RangeError(`attention data: atlas.patterns.${name} is not a pattern (${Object.keys(PATTERNS).join(', ')})`);
    if (!(scores instanceof Float32Array) || scores.length !== count) {
      throw new RangeError(`attention data: atlas.patterns.${name} must be a Float32Array of ${numLayers}*${numHeads} scores`);
    }
  }
  for (const label of atlas.dominant) {
    if (label !== null && !(label in PATTERNS)) throw new RangeError(`attention data: atlas.dominant holds ${String(label)}, not a pattern`);
  }
  return atlas;
}

const format = (v) => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));

/** "previous token 0.912 (dominant) · self 0.031 · …" for one head. */
export function headSummary(atlas, index) {
  const dominant = atlas.dominant[index];
  const parts = Object.entries(atlas.patterns).map(([name, scores]) =>
    `${PATTERNS[name].label} ${format(scores[index])}${name === dominant ? ' (dominant)' : ''}`);
  return `${dominant ? PATTERNS[dominant].label : 'no single pattern'} — ${parts.join(' · ')}`;
}

/** Adds the badges, the pattern class and the hover text to the thumbnail button of head `index` (layer-major). */
export function decorateThumb(button, atlas, { layer, head, index }, notes) {
  const dominant = atlas.dominant[index];
  const note = notes?.find((n) => n.layer === layer && n.head === head);
  const badges = document.createElement('span');
  badges.className = 'attnscope-badges';
  if (dominant && PATTERNS[dominant].badge) {
    button.classList.add(`attnscope-pattern-${dominant}`);
    badges.append(badge(PATTERNS[dominant].badge, `attnscope-badge-${dominant}`));
  }
  if (note) badges.append(badge(note.label, 'attnscope-badge-note'));
  if (badges.childElementCount) button.append(badges);
  button.dataset.pattern = dominant ?? '';
  button.title = `layer ${layer}, head ${head}: ${note ? `${note.label}${note.title ? ` (${note.title})` : ''}; ` : ''}` +
    headSummary(atlas, index);
}

function badge(text, className) {
  const span = document.createElement('span');
  span.className = `attnscope-badge ${className}`;
  span.textContent = text;
  return span;
}

/** The heads to show, in order: every head (layer-major), or ranked by `sortBy`, filtered by `filter`. */
export function orderedHeads(atlas, numLayers, numHeads, { sortBy = null, atlasFilter = null } = {}) {
  if (sortBy !== null && !(sortBy in PATTERNS)) throw new RangeError(`ModelView: sortBy must be a pattern (${Object.keys(PATTERNS).join(', ')}), got ${sortBy}`);
  if (sortBy !== null && !atlas.patterns[sortBy]) throw new RangeError(`ModelView: the atlas has no ${sortBy} scores`);
  if (atlasFilter !== null && !(atlasFilter in PATTERNS)) throw new RangeError(`ModelView: atlasFilter must be a pattern, got ${atlasFilter}`);
  let heads = [];
  for (let l = 0; l < numLayers; l++) for (let h = 0; h < numHeads; h++) heads.push({ layer: l, head: h, index: l * numHeads + h });
  if (atlasFilter) heads = heads.filter((x) => atlas.dominant[x.index] === atlasFilter);
  if (sortBy) {
    const score = (x) => (Number.isNaN(atlas.patterns[sortBy][x.index]) ? -Infinity : atlas.patterns[sortBy][x.index]);
    heads.sort((a, b) => score(b) - score(a) || a.index - b.index);
  }
  return heads;
}

/** A caption under a ranked thumbnail: "L1 H3 · 0.82". */
export function rankCaption(atlas, x, sortBy) {
  const span = document.createElement('span');
  span.className = 'attnscope-rank-caption';
  span.textContent = `L${x.layer} H${x.head}${sortBy ? ` · ${format(atlas.patterns[sortBy][x.index])}` : ''}`;
  return span;
}

/**
 * The sort and filter controls above the grid; `onChange({ sortBy, atlasFilter })` when the user picks.
 */
export function atlasBar(atlas, options, onChange) {
  const bar = document.createElement('div');
  bar.className = 'attnscope-toolbar attnscope-atlas-bar';
  const select = (label, value, choices, key) => {
    const wrap = document.createElement('label');
    wrap.textContent = `${label} `;
    const s = document.createElement('select');
    s.dataset.atlas = key;
    for (const [v, text] of choices) s.append(new Option(text, v, false, v === (value ?? '')));
    s.addEventListener('change', () => onChange({ sortBy: options.sortBy ?? null, atlasFilter: options.atlasFilter ?? null,
      [key]: s.value || null }));
    wrap.append(s);
    return wrap;
  };
  const available = Object.keys(atlas.patterns).filter((name) => name in PATTERNS);
  bar.append(
    select('Sort heads by', options.sortBy, [['', 'layer and head'], ...available.map((p) => [p, PATTERNS[p].label])], 'sortBy'),
    select('Show', options.atlasFilter, [['', 'every head'],
      ...Object.keys(PATTERNS).filter((p) => PATTERNS[p].badge).map((p) => [p, `${PATTERNS[p].label} heads`])], 'atlasFilter'));
  return bar;
}
