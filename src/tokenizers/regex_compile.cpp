// Regex: the syntax tree (regex_parse.cpp) compiled into a RegexProgram; the public class.
#include <string>
#include <utility>

#include "tokenizers/regex.hpp"
#include "tokenizers/regex_parse.hpp"
#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

using Kind = RegexNode::Kind;

bool item_contains(const ClassItem& item, char32_t c) {
  bool in = false;
  switch (item.kind) {
    case ClassItem::Kind::range: in = c >= item.lo && c <= item.hi; break;
    case ClassItem::Kind::categories:
      in = (item.category_mask >> static_cast<unsigned>(unicode::general_category(c))) & 1u;
      break;
    case ClassItem::Kind::white_space: in = unicode::has(c, unicode::kWhiteSpace); break;
    case ClassItem::Kind::word: in = is_regex_word_char(c); break;
    case ClassItem::Kind::any: in = true; break;
  }
  return in != item.negated;
}

bool any_contains(const std::vector<ClassItem>& items, char32_t c) {
  for (const ClassItem& item : items) {
    if (item_contains(item, c)) return true;
  }
  return false;
}

class Compiler {
 public:
  Compiler(RegexProgram& program, std::string_view where) : prog_(program), where_(where) {}

  void emit_node(const RegexNode& n) {
    switch (n.kind) {
      case Kind::empty: break;
      case Kind::character: {
        RegexInst& inst = emit(n.fold ? RegexOp::character_fold : RegexOp::character);
        inst.c = n.c;
        break;
      }
      case Kind::char_class: {
        emit(RegexOp::char_class).arg = static_cast<std::uint32_t>(prog_.classes.size());
        prog_.classes.push_back(n.char_class);
        break;
      }
      case Kind::any_but_newline: emit(RegexOp::any_but_newline); break;
      case Kind::assertion: emit(n.assertion); break;
      case Kind::concat:
        for (const RegexNode& child : n.children) emit_node(child);
        break;
      case Kind::alternation: emit_alternation(n); break;
      case Kind::repeat: emit_repeat(n); break;
      case Kind::look_ahead: {
        const std::size_t look = emit_index(RegexOp::look_ahead);
        prog_.code[look].negated = n.negated;
        prog_.code[look].arg = prog_.look_aheads++;
        prog_.code[look].x = here();
        emit_node(n.children.front());
        emit(RegexOp::match);
        prog_.code[look].y = here();
        break;
      }
    }
  }

 private:
  std::uint32_t here() const { return static_cast<std::uint32_t>(prog_.code.size()); }

  std::size_t emit_index(RegexOp op) {
    if (prog_.code.size() >= kRegexMaxProgram) {
      throw InvalidArgument(std::string(where_) + ": the pattern expands to more than " +
                            std::to_string(kRegexMaxProgram) + " instructions (too many or too large {n,m} repeats)");
    }
    RegexInst inst;
    inst.op = op;
    if (op == RegexOp::split) inst.arg = prog_.splits++;
    prog_.code.push_back(inst);
    return prog_.code.size() - 1;
  }
  RegexInst& emit(RegexOp op) { return prog_.code[emit_index(op)]; }

  // split L1, next; L1: a; jump end; next: split L2, next2; ... last: z; end:
  void emit_alternation(const RegexNode& n) {
    std::vector<std::size_t> jumps;
    for (std::size_t k = 0; k < n.children.size(); ++k) {
      const bool last = k + 1 == n.children.size();
      std::size_t split = 0;
      if (!last) {
        split = emit_index(RegexOp::split);
        prog_.code[split].x = here();
      }
      emit_node(n.children[k]);
      if (!last) {
        jumps.push_back(emit_index(RegexOp::jump));
        prog_.code[split].y = here();
      }
    }
    for (std::size_t j : jumps) prog_.code[j].x = here();
  }

  // A split preferring `body` (greedy) or `skip` (lazy).
  void set_split(std::size_t split, std::uint32_t body, std::uint32_t skip, bool greedy) {
    prog_.code[split].x = greedy ? body : skip;
    prog_.code[split].y = greedy ? skip : body;
  }

  void emit_repeat(const RegexNode& n) {
    const RegexNode& body = n.children.front();
    for (int k = 0; k < n.min; ++k) emit_node(body);
    if (n.max < 0) {
      // loop: split body, end; body: ...; jump loop; end:
      const std::size_t loop = emit_index(RegexOp::split);
      const std::uint32_t body_at = here();
      emit_node(body);
      emit(RegexOp::jump).x = static_cast<std::uint32_t>(loop);
      set_split(loop, body_at, here(), n.greedy);
      return;
    }
    // Optional copies: each split either enters one more copy or leaves for the end.
    std::vector<std::size_t> splits;
    for (int k = n.min; k < n.max; ++k) {
      splits.push_back(emit_index(RegexOp::split));
      emit_node(body);
    }
    for (std::size_t split : splits) set_split(split, static_cast<std::uint32_t>(split + 1), here(), n.greedy);
  }

  RegexProgram& prog_;
  std::string_view where_;
};

}  // namespace

bool is_regex_word_char(char32_t c) {
  using GC = unicode::GeneralCategory;
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  switch (unicode::general_category(c)) {
    case GC::Lu: case GC::Ll: case GC::Lt: case GC::Lm: case GC::Lo: case GC::Mn: case GC::Mc: case GC::Me:
    case GC::Nd: case GC::Nl: case GC::Pc:
      return true;
    default:
      return c == 0x200C || c == 0x200D;  // ZWNJ, ZWJ (Join_Control)
  }
}

bool CharClass::contains(char32_t c) const {
  bool in = any_contains(items, c);
  if (!in && fold) {
    const char32_t f = unicode::simple_fold(c);
    in = any_contains(items, f) || any_contains(folded, f);
  }
  return in != negated;
}

Regex::Regex(std::u32string_view pattern, std::string_view where) : program_(std::make_unique<RegexProgram>()) {
  const RegexNode root = parse_regex(pattern, where);
  Compiler compiler(*program_, where);
  compiler.emit_node(root);
  program_->code.push_back(RegexInst{RegexOp::match});
}

Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

std::size_t Regex::program_size() const { return program_->code.size(); }

}  // namespace attnscope::tokenizers
