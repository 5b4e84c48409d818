// The Step view's panels for one head: each textbook step's matrix, its formula and, per cell, the
// tooltip lines saying how the value arises from the previous step. Rows are queries (queryTokens)
// except in K and V and the keys' input, whose rows are keys (keyTokens); the attention matrices have
// a column per key. s: normalizeSteps' result (step-data.js).
import { formatNumber } from './paint.js';
import { headSlice, maskedAt, positionBiasAt, sideBySide } from './step-data.js';

const f = (v) => formatNumber(v, 4);

/** The formula of the Scaled step: × scale (or none: T5), + the position bias when there is one. */
export function scaledFormula(s) {
  const unscaled = Math.abs(s.scale - 1) < 1e-6;
  const factor = unscaled ? 'S' : `S × ${f(s.scale)}${Math.abs(s.scale * Math.sqrt(s.dHead) - 1) < 1e-6 ? ` (÷ √${s.dHead})` : ''}`;
  const notDivided = unscaled ? 'not divided by √d_k' : '';
  if (s.positionBias) return `${factor} + B  (B: relative position bias${notDivided ? `; ${notDivided}` : ''})`;
  return unscaled ? `${factor}  (scale 1: ${notDivided})` : factor;
}

/** [{ title, formula, m, rows, cols, rowLabels, colLabels, group?, weights?, maskFlags?, describe(i, j) }] */
export function stepPanels(s, h) {
  const { nq, nk, dModel: d, dHead: dk, queryTokens: qt, keyTokens: kt } = s;
  const local = h - s.firstHead;
  const kv = s.kvHeads?.[local] ?? h;
  const P = s.params ?? {};
  const dims = (count, offset = 0) => Array.from({ length: count }, (_, c) => String(c + offset));
  const attention = (m) => headSlice(m, local, nq, nk);
  const scores = attention(s.scores), scaled = attention(s.scaled), weights = attention(s.weights);
  const qh = headSlice(s.q, local, nq, dk), kh = headSlice(s.k, local, nk, dk), vh = headSlice(s.v, local, nk, dk);
  const headOut = headSlice(s.headOutput, local, nq, dk);
  const masked = new Float32Array(nq * nk);
  const maskFlags = new Uint8Array(nq * nk);
  for (let i = 0; i < nq; i++) {
    for (let j = 0; j < nk; j++) {
      maskFlags[i * nk + j] = maskedAt(s, i, j) ? 1 : 0;
      masked[i * nk + j] = maskFlags[i * nk + j] ? -Infinity : scaled[i * nk + j];
    }
  }
  // Where K and V come from: the queries' own input X, or another sequence's (cross-attention: the
  // encoder's output E; otherwise a context C).
  const keyInput = s.cross ? (s.kind === 'cross' ? 'E' : 'C') : 'X';
  const from = s.kind === 'cross' ? { q: ', from the decoder', kv: ', from the encoder’s output E' }
    : s.cross ? { q: '', kv: ', from the context C' } : { q: '', kv: '' };
  const bias = (name) => (s.projectionBiases ? ` + b_${name}` : '');
  // Q, K and V: every head side by side when the steps hold them all, else this head's columns.
  const all = s.numHeads > 1;
  const width = all ? s.numHeads * dk : dk;
  const offset = all ? s.firstHead * dk : h * dk;
  const projectionOf = (m, mh, rows) => (all ? sideBySide(m, s.numHeads, rows, dk) : mh);
  // M [rows*outWidth] holds columns colOffset… of input·W + B (Q, K, V: this head's or every head's;
  // the output: all d_model columns, whose width differs from the heads' when heads × d_k ≠ d_model, as in T5).
  const projection = (name, M, W, B, input, inputName, inWidth, tokens, outWidth = width, colOffset = offset) => (i, c) => {
    const col = colOffset + c;
    const ld = W ? W.length / inWidth : 0;
    const linear = `${inputName}[${tokens[i]}, :] · W_${name}[:, ${col}]${B?.length ? ` + b_${name}[${col}]` : ''}`;
    const moved = transformed(name);
    return [
      `${name}[${tokens[i]}, ${col}] = ${f(M[i * outWidth + c])}`,
      moved ? `= ${moved.replace('·', linear)}` : `= ${linear}`,
      ...(moved ? [rotaryNote(i, c % dk)] : []),
      ...(W && input && !moved ? [`= ${sumText(inWidth, (t) => [input[i * inWidth + t], W[t * ld + col]])}${B?.length ? ` + ${f(B[col])}` : ''}`] : []),
    ];
  };
  // Q and K of rotary models are rotated by their position (RoPE), after a per-head RMSNorm in Qwen3.
  const transformed = (name) => {
    if ((name !== 'Q' && name !== 'K') || !(s.rotaryDim > 0 || s.qkNorm)) return null;
    const normed = s.qkNorm ? 'RMSNorm_head(·)' : '·';
    return s.rotaryDim > 0 ? `RoPE(${normed})` : normed;
  };
  const rotaryNote = (i, c) => (s.rotaryDim > 0 && c < s.rotaryDim
    ? `rotated by position ${i}: dimension ${c} turns with dimension ${c < s.rotaryDim / 2 ? c + s.rotaryDim / 2 : c - s.rotaryDim / 2} of the head`
    : 'not rotated (beyond the rotary dimensions)');
  const formula = (name, input, where) => {
    const linear = `${input}·W_${name}${bias(name)}`;
    const moved = transformed(name);
    return `${name} = ${moved ? moved.replace('·', linear) : linear}${where}`;
  };
  const q = projectionOf(s.q, qh, nq), k = projectionOf(s.k, kh, nk), v = projectionOf(s.v, vh, nk);
  const kvNote = kv !== h ? ` (key/value head ${kv})` : '';
  const keyInputValues = s.cross ? s.context : s.x;
  const side = s.kind === 'cross' ? { q: 'decoder', k: 'encoder' } : null;
  const place = (who, index) => (side ? `${side[who]} #${index}` : `#${index}`);
  const panels = [
    { title: 'X', formula: s.inputFormula ?? (s.kind === 'cross' ? 'the decoder’s hidden state at the cross-attention, one row per target token'
      : 'the attention block’s input, one row per token'), m: s.x, rows: nq, cols: d, rowLabels: qt,
    colLabels: dims(d), group: d % dk === 0 ? dk : 0,
    describe: (i, c) => [`X[${qt[i]}, ${c}] = ${f(s.x[i * d + c])}`, ...(s.embedding && s.position
      ? [`= embedding(${qt[i]})[${c}] + PE(position ${i}, ${c}) = ${f(s.embedding[i * d + c])} + ${f(s.position[i * d + c])}`]
      : [s.inputFormula ?? 'the attention block’s input'])] },
  ];
  if (s.cross && s.context) {
    panels.push({ title: keyInput, formula: s.contextFormula ?? (s.kind === 'cross'
      ? 'the encoder’s output, one row per source token: the keys’ and values’ input' : 'the keys’ and values’ input'),
    m: s.context, rows: nk, cols: d, rowLabels: kt, colLabels: dims(d), group: d % dk === 0 ? dk : 0,
    describe: (j, c) => [`${keyInput}[${kt[j]}, ${c}] = ${f(s.context[j * d + c])}`, s.contextFormula ?? 'the keys’ and values’ input'] });
  }
  panels.push(
    { title: all ? 'Q' : `Q, head ${h}`, formula: formula('Q', 'X', from.q), m: q, rows: nq, cols: width, rowLabels: qt,
      colLabels: dims(width, offset), group: dk, describe: projection('Q', q, P.wq, P.bq, s.x, 'X', d, qt) },
    { title: all ? 'K' : `K, head ${h}${kvNote}`, formula: formula('K', keyInput, from.kv), m: k, rows: nk, cols: width, rowLabels: kt,
      colLabels: dims(width, offset), group: dk, describe: projection('K', k, P.wk, P.bk, keyInputValues, keyInput, d, kt) },
    { title: all ? 'V' : `V, head ${h}${kvNote}`, formula: formula('V', keyInput, from.kv), m: v, rows: nk, cols: width, rowLabels: kt,
      colLabels: dims(width, offset), group: dk, describe: projection('V', v, P.wv, P.bv, keyInputValues, keyInput, d, kt) },
    { title: `Scores, head ${h}`, formula: `S = Q_${h}·K_${h}ᵀ`, m: scores, rows: nq, cols: nk, rowLabels: qt, colLabels: kt,
      describe: (i, j) => [`S[${qt[i]}, ${kt[j]}] = ${f(scores[i * nk + j])}`,
        `= Q_${h}[${qt[i]}, :] · K_${h}[${kt[j]}, :]  (row ${i} of Q${side ? ` (${place('q', i)})` : ''}, column ${j} of Kᵀ${side ? ` (${place('k', j)})` : ''}${kvNote})`,
        `= ${sumText(dk, (t) => [qh[i * dk + t], kh[j * dk + t]])}`] },
    { title: s.positionBias ? 'Scaled + position bias' : 'Scaled', formula: scaledFormula(s), m: scaled, rows: nq, cols: nk,
      rowLabels: qt, colLabels: kt, describe: (i, j) => scaledText(s, h, scores, scaled, i, j) },
    { title: 'Masked', formula: s.allowed ? 'scaled where allowed, −∞ elsewhere' : s.causal ? 'causal: −∞ where key j > query i'
      : s.kind === 'cross' ? 'no mask: every target token sees every source token' : 'no mask: unchanged',
    m: masked, rows: nq, cols: nk, rowLabels: qt, colLabels: kt, maskFlags,
    describe: (i, j) => (maskFlags[i * nk + j]
      ? [`masked [${qt[i]}, ${kt[j]}] = −∞`, s.allowed ? 'not allowed by the mask' : `key #${j} comes after query #${i}: the causal mask hides it`]
      : [`masked [${qt[i]}, ${kt[j]}] = ${f(masked[i * nk + j])}`, 'allowed: unchanged']) },
    { title: `Softmax weights, head ${h}`, formula: 'A = softmax over each row', m: weights, rows: nq, cols: nk, rowLabels: qt,
      colLabels: kt, weights: true, describe: (i, j) => softmaxText(masked, nk, i, j, qt, kt, weights[i * nk + j]) },
    { title: `Head ${h} output`, formula: `head_${h} = A·V_${h}`, m: headOut, rows: nq, cols: dk, rowLabels: qt, colLabels: dims(dk, h * dk),
      describe: (i, c) => [`head_${h}[${qt[i]}, ${c}] = ${f(headOut[i * dk + c])}`,
        `= A[${qt[i]}, :] · V_${h}[:, ${c}]  (row ${i} of the weights, ${nk} keys)`,
        `= ${sumText(nk, (t) => [weights[i * nk + t], vh[t * dk + c]])}`] },
  );
  if (all) {
    const concat = sideBySide(s.headOutput, s.numHeads, nq, dk);
    panels.push({ title: 'Concatenated heads', formula: `concat(head_${s.firstHead} … head_${s.firstHead + s.numHeads - 1})`,
      m: concat, rows: nq, cols: width, rowLabels: qt, colLabels: dims(width, offset), group: dk,
      describe: (i, c) => [`concat[${qt[i]}, ${c + offset}] = ${f(concat[i * width + c])}`,
        `= head_${s.firstHead + Math.floor(c / dk)}[${qt[i]}, ${c % dk}]`] });
  }
  panels.push({ title: 'Output', formula: `Y = concat·W_O${bias('O')}`, m: s.output, rows: nq, cols: d, rowLabels: qt, colLabels: dims(d),
    describe: all ? projection('O', s.output, P.wo, P.bo, sideBySide(s.headOutput, s.numHeads, nq, dk), 'concat', width, qt, d, 0)
      : (i, c) => [`Y[${qt[i]}, ${c}] = ${f(s.output[i * d + c])}`, `= concat(every head)·W_O${bias('O')}`] });
  return panels;
}

function scaledText(s, h, scores, scaled, i, j) {
  const { queryTokens: qt, keyTokens: kt, nk } = s;
  const lines = [`${s.positionBias ? 'S·scale + B' : 'S·scale'} [${qt[i]}, ${kt[j]}] = ${f(scaled[i * nk + j])}`];
  if (!s.positionBias) return [...lines, `= ${f(scores[i * nk + j])} × ${f(s.scale)}`];
  const b = positionBiasAt(s, scores, scaled, i, j);
  return [...lines, `= ${f(scores[i * nk + j])} × ${f(s.scale)} + B = ${f(scores[i * nk + j] * s.scale)} + ${f(b)}`,
    `B: head ${h}'s learned bias for the relative position of key #${j} to query #${i} (${j - i >= 0 ? '+' : ''}${j - i}, bucketed)`];
}

// "a₀·b₀ + a₁·b₁ + a₂·b₂ + … (n terms)" for a dot product, the first three terms written out.
export function sumText(count, term) {
  const shown = [];
  for (let t = 0; t < Math.min(3, count); t++) {
    const [a, b] = term(t);
    shown.push(`${f(a)}·${b === undefined ? '?' : f(b)}`);
  }
  return `${shown.join(' + ')}${count > 3 ? ` + … (${count} terms)` : ''}`;
}

function softmaxText(masked, nk, i, j, qt, kt, value) {
  const row = masked.subarray(i * nk, (i + 1) * nk);
  let max = -Infinity;
  for (const z of row) if (z > max) max = z;
  let sum = 0;
  for (const z of row) sum += Math.exp(z - max);
  const e = Math.exp(row[j] - max);
  return [`A[${qt[i]}, ${kt[j]}] = ${f(value)}`,
    `= exp(z − max) / Σ exp(z − max) over row ${i}`,
    `= exp(${f(row[j])} − ${f(max)}) / ${f(sum)} = ${f(e)} / ${f(sum)}`];
}
