// The demo page: reads the state from the URL, computes attention with the attnscope module (the
// seeded transformer, or a loaded model), and draws the chosen view. Data flows
// module → this page → the package's views (web/attnscope/views); user text only ever reaches the DOM as textContent or canvas text.
import { HeadView } from '../attnscope/views/head-view.js';
import { MatrixView } from '../attnscope/views/matrix-view.js';
import { ModelView } from '../attnscope/views/model-view.js';
import { StepView } from '../attnscope/views/step-view.js';
import { attentionJSON, download, viewToPNG, viewToSVG } from '../attnscope/views/export.js';
import { isEncoderDecoder, KINDS } from '../attnscope/views/attention-data.js';
import { hasSentenceB, SEEDED_LIMITS, STEPS_MAX_TOKENS } from './compute.js';
import { startComputeWorker, SUPERSEDED } from './compute-client.js';
import { setupModelLoader, startModelLoad } from './model-loader.js';
import { PredictionsPanel } from './predictions.js';
import { readState, VIEWS, writeState } from './url-state.js';

const $ = (id) => document.getElementById(id);
const els = {
  sentence: $('sentence'), sentenceB: $('sentence-b'), seed: $('seed'), dModel: $('d-model'), numHeads: $('num-heads'), numLayers: $('num-layers'),
  causal: $('causal'), layer: $('layer'), head: $('head'), average: $('average'), threshold: $('threshold'),
  thresholdValue: $('threshold-value'), hideSpecial: $('hide-special'), normalize: $('normalize'), measure: $('measure'),
  message: $('message'),
  sourceName: $('source-name'), sourceRow: $('source-row'), summary: $('model-summary'),
};
const panels = Object.fromEntries(VIEWS.map((v) => [v, $(`view-${v}`)]));
const tabs = [...document.querySelectorAll('[role="tab"]')];

// The step panel holds a note (why the numbers come from where they come from) above the view.
const stepNote = document.createElement('p');
stepNote.className = 'attnscope-note step-note';
const stepHost = document.createElement('div');
panels.step.append(stepNote, stepHost);

const state = readState(location.search);
let compute = null;     // the compute worker (compute-client.js): the wasm core and the model run there
let core = null;        // the worker's core: { simd, relaxedSimd, threads }
let model = null;       // a loaded model's { label, architecture, config }, or null for the seeded transformer
let result = null;      // compute.js: { tokens, attentions, valueNorms, numHeads, numKvHeads, numLayers, causal, steps, rollout }
let renderCount = 0;
// The part (encoder–decoder data) and sentence pair picked inside the Matrix, Head or Model view.
const picked = ({ kind, pairFilter }) => { state.kind = kind; state.pairFilter = pairFilter; writeState(state); };
let headNotes = [];     // the model view's notes on particular heads (the default model's supervised head)
const predictions = new PredictionsPanel($('predictions'), {
  onToggleMask: (position) => {
    state.masked = state.masked.includes(position) ? state.masked.filter((p) => p !== position)
      : [...state.masked, position].sort((a, b) => a - b);
    state.position = position;
    recompute();
  },
  onSelect: (position) => { state.position = position; writeState(state); },
});
const views = {
  step: new StepView(stepHost, {
    onChange: ({ head, kind }) => {
      state.head = head;
      if (kind && kind !== stepKind()) { picked({ kind, pairFilter: 'all' }); render(); return; }
      syncControls();
      writeState(state);
    },
    onQuery: (query) => { state.query = query; writeState(state); },
  }),
  matrix: new MatrixView(panels.matrix, { onChange: picked }),
  head: new HeadView(panels.head, {
    onChange: ({ layer, visibleHeads, kind, pairFilter }) => {
      state.layer = layer;
      state.heads = visibleHeads.length === result?.numHeads ? null : visibleHeads;
      syncControls();
      picked({ kind, pairFilter });
    },
  }),
  model: new ModelView(panels.model, {
    onSelect: (layer, head) => { state.layer = layer; state.head = head; syncControls(); writeState(state); },
    onChange: picked,
    onAtlasChange: ({ sortBy, atlasFilter }) => { state.sortBy = sortBy; state.atlasFilter = atlasFilter; writeState(state); },
  }),
};

function setMessage(text, kind = 'info') {
  els.message.textContent = text;
  els.message.className = `message ${kind}`;
  if (kind === 'error' || !result) document.body.dataset.state = kind === 'error' ? 'error' : 'idle';
}

/** The part of an encoder–decoder model the Step view shows: the one picked in any view, else the encoder. */
function stepKind() {
  return state.kind ?? 'encoder';
}

/**
 * The layers and heads the layer and head menus offer: what every part has, or in the Step view of an
 * encoder–decoder model, what its part has (the decoder may have more layers or fewer heads).
 */
function layerHeadCounts() {
  if (!result) return { numLayers: state.numLayers, numHeads: state.numHeads };
  if (result.encoderDecoder && state.view === 'step') return result.parts[stepKind()];
  return { numLayers: result.numLayers, numHeads: result.numHeads };
}

/** Keeps the layer and head within what the menus offer. */
function clampLayerHead() {
  const { numLayers, numHeads } = layerHeadCounts();
  state.layer = Math.min(state.layer, numLayers - 1);
  if (state.head !== 'all' && state.head >= numHeads) state.head = 'all';
}

function fillSelect(select, values, selected) {
  select.replaceChildren(...values.map(([value, label]) => new Option(label, String(value), false, String(value) === String(selected))));
}

/** Writes the state into the controls (after loading, a URL change or a view's own change). */
function syncControls() {
  els.sentence.value = state.text;
  els.sentenceB.value = state.textB;
  els.seed.value = String(state.seed);
  els.dModel.value = String(state.dModel);
  els.numHeads.value = String(state.numHeads);
  els.numLayers.value = String(state.numLayers);
  els.causal.checked = state.causal;
  els.average.checked = state.average;
  els.threshold.value = String(state.threshold);
  els.thresholdValue.textContent = `${state.threshold} %`;
  els.hideSpecial.checked = state.hideSpecial;
  els.normalize.value = state.norm;
  els.measure.value = state.measure;
  const { numLayers, numHeads } = layerHeadCounts();
  fillSelect(els.layer, [...Array(numLayers).keys()].map((l) => [l, String(l)]), state.layer);
  fillSelect(els.head, [['all', 'all'], ...[...Array(numHeads).keys()].map((h) => [h, String(h)])], state.head);
  els.head.disabled = state.average;
  for (const el of els.sourceRow.querySelectorAll('label')) el.hidden = Boolean(model);
  els.sourceName.textContent = model ? `Source: ${model.label}` : 'Source: seeded transformer (random weights)';
  for (const t of tabs) {
    const on = t.dataset.view === state.view;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    panels[t.dataset.view].hidden = !on;
  }
}

/** Recomputes the attention for the current text and source in the worker, then redraws. */
let edits = 0;
async function recompute() {
  const edit = ++edits;
  result = null;
  const text = state.text;
  if (!text.trim()) {
    stopComputing();
    clearViews();
    setMessage('Type a sentence above to see how its words attend to each other.');
    syncControls();
    return;
  }
  startComputing();
  try {
    const started = performance.now();
    const computed = await compute.latest(model ? 'model' : 'seeded', text, state);
    if (computed === SUPERSEDED || edit !== edits) return;  // a newer edit's result will be drawn
    stopComputing();
    result = computed;
    result.computeMs = performance.now() - started;
    if ((result.sentenceBStart ?? null) === null) state.pairFilter = 'all';
    if (!isEncoderDecoder(result)) state.kind = null;
    render();
  } catch (err) {
    if (edit !== edits) return;
    stopComputing();
    clearViews();
    setMessage(`Could not compute the attention: ${err.message}`, 'error');
    syncControls();
  }
}

// While the worker computes, the page says so once (the message is a live region: screen readers
// announce it) and counts the seconds beside it, outside what assistive technology reads, since the
// time since the first edit it waits on changes ten times a second.
const elapsed = document.createElement('span');
elapsed.className = 'elapsed';
elapsed.setAttribute('aria-hidden', 'true');
let computingTimer = 0;
function startComputing() {
  if (computingTimer) return;
  const started = performance.now();
  document.body.dataset.state = 'computing';
  els.message.textContent = 'Computing… ';
  els.message.className = 'message info';
  els.message.append(elapsed);
  const tick = () => { elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`; };
  tick();
  computingTimer = setInterval(tick, 100);
}

function stopComputing() {
  clearInterval(computingTimer);
  computingTimer = 0;
}

function clearViews() {
  predictions.clear();
  for (const [name, p] of Object.entries(panels)) {
    if (name === 'step') { stepNote.textContent = ''; stepHost.replaceChildren(); } else p.replaceChildren();
  }
}

function viewOptions() {
  return { layer: state.layer, head: state.head, averageHeads: state.average, hideSpecial: state.hideSpecial,
    threshold: state.threshold, normalize: state.norm, visibleHeads: state.heads ?? undefined, measure: state.measure,
    pairFilter: state.pairFilter, kind: state.kind, sortBy: state.sortBy, atlasFilter: state.atlasFilter, headNotes };
}

// The model view's head atlas, computed in the worker once per result (a model's own atlas runs its
// probe too); the view is drawn at once and again when the atlas arrives.
function ensureAtlas() {
  if (result.atlas !== undefined) return;
  if (result.encoderDecoder) { result.atlas = null; return; }  // the atlas reads one-stack models
  const shown = result;
  shown.atlas = null;
  compute.atlas(shown, Boolean(model)).then((atlas) => { shown.atlas = atlas; },
    (err) => { shown.atlasError = err.message; })
    .then(() => { if (result === shown && state.view === 'model') render(); });
}

function renderPredictions() {
  if (!model || !result || result.encoderDecoder) { predictions.clear(); return; }
  const position = state.position !== null && state.position < result.tokens.length ? state.position : null;
  predictions.update({ tokens: result.tokens, topk: result.topk, causal: model.config.causal, masked: state.masked,
    selected: position, maskToken: model.maskToken, problem: model.lmHead.usable ? null : model.lmHead.problem });
}

/** Draws the active view only; the others are drawn when their tab opens. */
function render() {
  if (result) clampLayerHead();
  syncControls();
  writeState(state);
  if (!result) return;
  const panel = panels[state.view];
  const started = performance.now();
  try {
    if (state.view === 'step') {
      if (!renderSteps(panel)) return;
    } else {
      if (state.view === 'model') ensureAtlas();
      views[state.view].update(result, viewOptions());
      if (state.view === 'model') {
        if (result.atlasError) showNoteBelow(panel, `No head atlas: ${result.atlasError}`);
        // 'pending' until the worker's atlas arrives and the view is drawn again with it (tests wait on this).
        panel.dataset.atlas = result.atlas ? 'ready' : result.atlasError || result.encoderDecoder ? 'none' : 'pending';
      }
    }
  } catch (err) {
    showNote(panel, `Could not draw this view: ${err.message}`);
  }
  finishRender(panel, started);
}

/**
 * Draws the Step view, or asks the worker for the steps of the layer (and part) picked when the result
 * holds another's; returns false when it did (render runs again when they arrive).
 */
function renderSteps(panel) {
  const kind = result.encoderDecoder ? stepKind() : null;
  const what = kind === 'cross' ? `the cross-attention of decoder layer ${state.layer}`
    : kind ? `${KINDS[kind].toLowerCase()} layer ${state.layer}` : `layer ${state.layer}`;
  if (result.steps && (result.steps.layer !== state.layer || (result.steps.kind ?? null) !== kind)) {
    if (!model) { recompute(); return false; }
    const shown = result;
    stepNote.textContent = `Computing the steps of ${what}…`;
    compute.steps(result, state.layer, kind).then((steps) => {
      if (result !== shown) return;
      result.steps = steps;
      render();
    }, (err) => showNote(panel, `Could not compute the steps: ${err.message}`));
    return false;
  }
  stepNote.textContent = !model ? '' : `${model.label}, ${what}: its own numbers, every head.${kind === 'cross'
    ? ' Queries come from the decoder (the target’s tokens), keys and values from the encoder’s output (the source’s tokens).' : ''}`;
  if (result.steps) {
    views.step.update(result.steps, { head: state.head === 'all' ? 0 : state.head, query: state.query ?? undefined,
      kinds: kind ? Object.keys(result.parts) : undefined });
  } else {
    stepHost.replaceChildren();
    stepNote.textContent = result.encoderDecoder
      ? `The step view is limited to ${STEPS_MAX_TOKENS} tokens per side; this input has ${result.tokens.length} source and `
        + `${result.targetTokens.length} target tokens. The matrix view handles long inputs.`
      : `The step view is limited to ${STEPS_MAX_TOKENS} tokens; this input has `
        + `${result.tokens.length}. The matrix view handles long inputs.`;
  }
  return true;
}

function finishRender(panel, started) {
  renderPredictions();
  const drawMs = performance.now() - started;
  panel.dataset.drawMs = drawMs.toFixed(1);
  const pair = result.sentenceBStart != null ? ` (sentence B from #${result.sentenceBStart})`
    : result.encoderDecoder ? ` → ${result.targetTokens.length} target tokens` : '';
  setMessage(`${result.tokens.length} tokens${pair} · ${result.numLayers} layers × ${result.numHeads} heads · computed in `
    + `${result.computeMs.toFixed(0)} ms · drawn in ${drawMs.toFixed(0)} ms${core?.relaxedSimd ? ' · wasm SIMD (relaxed, FMA)' : core?.simd ? ' · wasm SIMD' : ' · wasm (scalar)'}`
    + `${core?.threads > 1 ? ` · ${core.threads} threads` : ''}`);
  document.body.dataset.state = 'rendered';
  renderCount += 1;
  document.body.dataset.renders = String(renderCount);  // lets tests wait for the next draw
}

function showNoteBelow(panel, text) {
  const p = document.createElement('p');
  p.className = 'attnscope-note';
  p.textContent = text;
  panel.append(p);
}

function showNote(panel, text) {
  const host = panel === panels.step ? stepHost : panel;
  const p = document.createElement('p');
  p.className = 'attnscope-note';
  p.textContent = text;
  host.replaceChildren(p);
}

// ---- model loading -------------------------------------------------------------------------
async function loadModelFrom(source, label) {
  els.summary.textContent = `Loading ${label}…`;
  const loading = startModelLoad();
  const started = performance.now();
  try {
    const loaded = await compute.loadModel(source, loading.options);
    model = { ...loaded, label };
    headNotes = [];
    const c = model.config;
    const kv = c.numKvHeads < c.numHeads ? ` (${c.numKvHeads} key/value head${c.numKvHeads > 1 ? 's' : ''})` : '';
    els.summary.textContent = `${label}: ${model.architecture} · ${c.numLayers} layers × ${c.numHeads} heads${kv} · d_model ${c.dModel}`
      + `${c.vocabSize ? ` · vocabulary ${c.vocabSize}` : ''} · loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    state.source = 'model';
    state.model = typeof source === 'string' ? source : '';
    return true;
  } catch (err) {
    els.summary.textContent = `Could not load ${label}: ${err.message}`;
    return false;
  } finally {
    loading.finish();
  }
}

// The project's trained default model (web/models/default), when the folder is there; the page then opens on the head its evaluation names.
async function loadDefaultModel() {
  const base = new URL('../models/default/', location.href);
  let present = false;
  try { present = (await fetch(new URL('config.json', base), { method: 'HEAD' })).ok; } catch { present = false; }
  if (!present || !(await loadModelFrom(base.href, 'default model (trained by attnscope)'))) return;
  state.model = '';
  try {
    const evaluation = await (await fetch(new URL('eval.json', base))).json();
    const best = evaluation?.best_head;
    // The model view labels the head whose attention was supervised during training as such.
    const supervised = evaluation?.supervised_head;
    if (Number.isInteger(supervised?.layer) && Number.isInteger(supervised?.head)) {
      headNotes = [{ layer: supervised.layer, head: supervised.head, label: 'supervised',
        title: 'its attention was trained to point pronouns at their antecedent, see MODEL_CARD.md' }];
    }
    if (!state.explicitHead && Number.isInteger(best?.layer) && Number.isInteger(best?.head)) {
      state.layer = best.layer;
      state.head = best.head;
      state.heads = [best.head];
      // Open on the learned head's steps, its pronoun's row in the neuron view.
      const pronoun = evaluation.default_sentence?.pronoun_index;
      if (state.query === null && state.text === evaluation.default_sentence?.sentence && Number.isInteger(pronoun)) {
        state.query = pronoun;
      }
      // Honesty: this head's attention was trained with an auxiliary loss (see MODEL_CARD.md).
      if (best.supervised) {
        els.summary.textContent += ` · opened on layer ${best.layer} head ${best.head}, a head whose attention was`
          + ' supervised during training to point pronouns at their antecedent (see MODEL_CARD.md)';
      }
    }
  } catch {
    // No evaluation: open on the first layer, all heads.
  }
}

// ---- wiring ------------------------------------------------------------------------------------
function on(el, type, fn) { el.addEventListener(type, fn); }

function wire() {
  let typing = 0;
  // A sentence edited: recomputed once typing pauses; masked positions and the selection were the old text's.
  const onSentence = (input, key) => on(input, 'input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state[key] = input.value;
      state.query = null;
      state.masked = [];
      state.position = null;
      recompute();
    }, 200);
  });
  onSentence(els.sentence, 'text');
  onSentence(els.sentenceB, 'textB');
  const seededChange = () => {
    state.seed = Math.min(4294967295, Math.max(0, Math.trunc(Number(els.seed.value)) || 0));
    state.dModel = Number(els.dModel.value);
    let heads = Number(els.numHeads.value);
    if (state.dModel % heads !== 0) heads = 1;
    state.numHeads = heads;
    state.numLayers = Math.min(SEEDED_LIMITS.numLayers[1], Math.max(1, Math.trunc(Number(els.numLayers.value)) || 1));
    state.causal = els.causal.checked;
    state.heads = null;
    recompute();
  };
  for (const el of [els.seed, els.dModel, els.numHeads, els.numLayers, els.causal]) on(el, 'change', seededChange);
  on(els.layer, 'change', () => { state.layer = Number(els.layer.value); render(); });
  on(els.head, 'change', () => {
    state.head = els.head.value === 'all' ? 'all' : Number(els.head.value);
    state.heads = state.head === 'all' ? null : [state.head];
    render();
  });
  on(els.average, 'change', () => { state.average = els.average.checked; render(); });
  on(els.threshold, 'input', () => { els.thresholdValue.textContent = `${els.threshold.value} %`; });
  on(els.threshold, 'change', () => { state.threshold = Number(els.threshold.value); render(); });
  on(els.hideSpecial, 'change', () => { state.hideSpecial = els.hideSpecial.checked; render(); });
  on(els.normalize, 'change', () => { state.norm = els.normalize.value; render(); });
  on(els.measure, 'change', () => {
    state.measure = els.measure.value;
    // A loaded model returns value norms only when asked (they cost a GEMM per head); the rollout
    // is computed with the result, in the worker.
    if ((model && state.measure === 'value' && !result?.valueNorms) || (state.measure === 'rollout' && !result?.rollout)) {
      recompute();
    } else {
      render();
    }
  });
  tabs.forEach((tab, index) => {
    on(tab, 'click', () => { state.view = tab.dataset.view; render(); });
    on(tab, 'keydown', (e) => {
      const step = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
      const to = e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : step ? (index + step + tabs.length) % tabs.length : -1;
      if (to < 0) return;
      e.preventDefault();
      tabs[to].focus();
      tabs[to].click();
    });
  });
  const exportName = (ext) => `attnscope-${state.view}-layer${state.layer}.${ext}`;
  on($('export-png'), 'click', async () => {
    if (!result) return;
    try { download(await viewToPNG(panels[state.view]), exportName('png')); } catch (err) { setMessage(err.message, 'error'); }
  });
  on($('export-svg'), 'click', () => {
    if (result) download(viewToSVG(panels[state.view]), exportName('svg'), 'image/svg+xml');
  });
  on($('export-json'), 'click', () => {
    if (!result) return;
    const source = model ? { source: model.label, architecture: model.architecture }
      : { source: 'seeded transformer', seed: state.seed, dModel: state.dModel, causal: state.causal };
    const texts = { text: state.text, ...(hasSentenceB(state) ? { textB: state.textB } : {}) };
    download(attentionJSON(result, { ...texts, ...source }), 'attnscope-attention.json', 'application/json');
  });
  setupModelLoader({
    folderInput: $('model-folder'), dropZone: $('drop-zone'), urlInput: $('model-url'), urlButton: $('model-url-load'),
    onLoad: async (source, label) => { if (await loadModelFrom(source, label)) { state.heads = null; recompute(); } },
  });
  on($('use-seeded'), 'click', () => {
    if (model) compute.disposeModel();
    model = null;
    headNotes = [];
    state.masked = [];
    state.source = 'seeded';
    state.model = '';
    els.summary.textContent = 'Using the seeded transformer.';
    recompute();
  });
  let resizing = 0;
  on(window, 'resize', () => { clearTimeout(resizing); resizing = setTimeout(render, 150); });
}

async function start() {
  syncControls();
  wire();
  setMessage('Loading the WebAssembly module…');
  try {
    compute = startComputeWorker();
    core = await compute.ready;
  } catch (err) {
    setMessage(`Could not load the attnscope module (build it with ./scripts/build wasm-simd wasm-scalar): ${err.message}`, 'error');
    return;
  }
  if (state.model) await loadModelFrom(state.model, state.model);
  else if (state.source !== 'seeded') await loadDefaultModel();
  recompute();
}

start();
