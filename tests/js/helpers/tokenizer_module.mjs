// A standalone tokenizer (bindings/tokenizer_bindings.cpp), in each flavour, from the test-only
// module that the wasm builds link beside the shipped one (the package never contains it):
// build/wasm-<flavour>/test-modules/attnscope-tokenizer-<flavour>.{js,wasm}.
// ATTNSCOPE_TOKENIZER_DIST=<dir> loads attnscope-tokenizer-<flavour>.{js,wasm} from another folder.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BUILD = fileURLToPath(new URL('../../../build/', import.meta.url));

const wasmCache = new Map();

async function wasmModule(flavour) {
  if (!wasmCache.has(flavour)) {
    const dir = process.env.ATTNSCOPE_TOKENIZER_DIST ?? join(BUILD, `wasm-${flavour}`, 'test-modules');
    const base = join(resolve(dir), `attnscope-tokenizer-${flavour}`);
    if (!existsSync(`${base}.wasm`)) {
      throw new Error(`${base}.wasm is missing: build it with ./scripts/build wasm-${flavour}`);
    }
    wasmCache.set(flavour, import(pathToFileURL(`${base}.js`).href)
      .then(({ default: create }) => create({ wasmBinary: readFileSync(`${base}.wasm`), print: () => {} })));
  }
  return wasmCache.get(flavour);
}

function check(error, what) {
  if (error !== '') throw new Error(`${what}: ${error}`);
}

/**
 * files: { 'vocab.txt': text, ... }; modelType: config.json's model_type.
 * Returns { encode(text, addSpecialTokens = true), encodePair(a, b, addSpecialTokens = true), tokenOf,
 * dispose }; an encoding is { ids: Int32Array, tokens, displayTokens, typeIds: Int32Array, sentenceBStart }.
 */
export async function loadTokenizer(flavour, modelType, files) {
  const wasm = await wasmModule(flavour);
  const handle = new wasm.TokenizerHandle();
  try {
    for (const [name, text] of Object.entries(files)) check(handle.setFile(name, text), name);
    check(handle.load(modelType), 'load');
  } catch (error) {
    handle.delete();
    throw error;
  }
  const last = () => {
    const start = handle.lastSentenceBStart();
    return {
      ids: handle.lastIds(), tokens: handle.lastTokens(), displayTokens: handle.lastDisplayTokens(),
      typeIds: handle.lastTypeIds(), sentenceBStart: start < 0 ? null : start,
    };
  };
  return {
    vocabSize: handle.vocabSize(),
    encode(text, addSpecialTokens = true) {
      check(handle.encode(text.toWellFormed(), addSpecialTokens), 'encode');
      return last();
    },
    encodePair(a, b, addSpecialTokens = true) {
      check(handle.encodePair(a.toWellFormed(), b.toWellFormed(), addSpecialTokens), 'encodePair');
      return last();
    },
    tokenOf: (id) => handle.tokenOf(id),
    dispose: () => handle.delete(),
  };
}

export const TOKENIZER_FLAVOURS = ['simd', 'scalar'];

// A tiny golden checkpoint per family (tests/golden/models): its config.json and weights only
// carry the tokenizer under test through the public path, load() -> core.loadModel -> model.tokenize.
const CHECKPOINTS = { bert: 'bert-f32', gpt2: 'gpt2-f32', roberta: 'roberta-f32' };

/**
 * A model of `architecture` whose tokenizer is made from `files` ({'vocab.txt': text, ...}), loaded
 * with the public API from the shipped module (web/attnscope/dist). Returns the model (tokenize, dispose, ...).
 */
export async function modelWithTokenizer(core, architecture, files) {
  const dir = new URL(`../../golden/models/${CHECKPOINTS[architecture]}/`, import.meta.url);
  return core.loadModel({
    'config.json': readFileSync(new URL('config.json', dir), 'utf8'),
    'model.safetensors': readFileSync(new URL('model.safetensors', dir)),
    ...files,
  });
}
