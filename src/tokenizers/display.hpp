// Display strings: the text a token stands for, for views that show tokens to people (BertViz
// shows "Ġworld" as " world"). The vocabulary strings stay available next to them.
#pragma once
#include <string>
#include <string_view>

namespace attnscope::tokenizers {

// `bytes` as text: well-formed UTF-8 as it is, every other byte (a character cut between two
// tokens, e.g. the first two bytes of "☕") as "\xE2" escapes.
std::string display_bytes(std::string_view bytes);

// A byte-level BPE token ("Ġworld", "Ċ", "âĺ"): the bytes its characters stand for, shown with
// display_bytes. A token with characters outside the byte alphabet is shown as it is.
std::string display_byte_level(std::string_view token);

// "<0xE2>" (SentencePiece's byte fallback pieces): the byte; -1 for any other token.
int byte_fallback_value(std::string_view token);

}  // namespace attnscope::tokenizers
