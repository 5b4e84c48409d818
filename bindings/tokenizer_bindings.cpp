// Embind glue for a tokenizer on its own (no model weights): the files of a checkpoint folder in,
// ids and tokens out. As in the other bindings, calls return an error string ("" = success, see
// guard.hpp) and never throw into JavaScript.
//   const t = new wasm.TokenizerHandle();
//   t.setFile('vocab.txt', text);                 // also vocab.json, merges.txt, tokenizer.json,
//                                                 // tokenizer_config.json
//   t.load('bert');                               // config.json's model_type
//   t.encode(text, true); t.lastIds(); t.lastTokens(); t.lastDisplayTokens(); t.lastTypeIds();
//   t.encodePair(a, b, true); ... t.lastSentenceBStart();
//   t.delete();
#include <emscripten/bind.h>

#include "tokenizer_handle.hpp"

EMSCRIPTEN_BINDINGS(attnscope_tokenizer) {
  using namespace attnscope::bindings;
  emscripten::class_<TokenizerHandle>("TokenizerHandle")
      .constructor<>()
      .function("setFile", &TokenizerHandle::setFile)
      .function("load", &TokenizerHandle::load)
      .function("encode", &TokenizerHandle::encode)
      .function("encodePair", &TokenizerHandle::encodePair)
      .function("lastIds", &TokenizerHandle::lastIds)
      .function("lastTokens", &TokenizerHandle::lastTokens)
      .function("lastDisplayTokens", &TokenizerHandle::lastDisplayTokens)
      .function("lastTypeIds", &TokenizerHandle::lastTypeIds)
      .function("lastSentenceBStart", &TokenizerHandle::lastSentenceBStart)
      .function("vocabSize", &TokenizerHandle::vocabSize)
      .function("tokenOf", &TokenizerHandle::tokenOf);
}
