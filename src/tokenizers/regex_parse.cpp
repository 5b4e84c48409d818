// Recursive-descent parser for the regex subset of regex.hpp, with Oniguruma's (Ruby syntax)
// reading of the constructs it accepts.
#include "tokenizers/regex_parse.hpp"

#include <cstddef>
#include <string>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

using Kind = RegexNode::Kind;
using GC = unicode::GeneralCategory;

constexpr std::uint32_t bit(GC c) { return 1u << static_cast<unsigned>(c); }
constexpr std::uint32_t kLetters = bit(GC::Lu) | bit(GC::Ll) | bit(GC::Lt) | bit(GC::Lm) | bit(GC::Lo);
constexpr std::uint32_t kMarks = bit(GC::Mn) | bit(GC::Mc) | bit(GC::Me);
constexpr std::uint32_t kNumbers = bit(GC::Nd) | bit(GC::Nl) | bit(GC::No);
constexpr std::uint32_t kPunctuation = bit(GC::Pc) | bit(GC::Pd) | bit(GC::Ps) | bit(GC::Pe) | bit(GC::Pi) |
                                       bit(GC::Pf) | bit(GC::Po);
constexpr std::uint32_t kSymbols = bit(GC::Sm) | bit(GC::Sc) | bit(GC::Sk) | bit(GC::So);
constexpr std::uint32_t kSeparators = bit(GC::Zs) | bit(GC::Zl) | bit(GC::Zp);
constexpr std::uint32_t kOthers = bit(GC::Cc) | bit(GC::Cf) | bit(GC::Cs) | bit(GC::Co) | bit(GC::Cn);

struct PropertyName {
  const char* short_name;
  const char* long_name;
  std::uint32_t mask;
};

const PropertyName kProperties[] = {
    {"l", "letter", kLetters}, {"lu", "uppercaseletter", bit(GC::Lu)}, {"ll", "lowercaseletter", bit(GC::Ll)},
    {"lt", "titlecaseletter", bit(GC::Lt)}, {"lm", "modifierletter", bit(GC::Lm)},
    {"lo", "otherletter", bit(GC::Lo)}, {"lc", "casedletter", bit(GC::Lu) | bit(GC::Ll) | bit(GC::Lt)},
    {"l&", "casedletter", bit(GC::Lu) | bit(GC::Ll) | bit(GC::Lt)},
    {"m", "mark", kMarks}, {"m", "combiningmark", kMarks}, {"mn", "nonspacingmark", bit(GC::Mn)},
    {"mc", "spacingmark", bit(GC::Mc)}, {"me", "enclosingmark", bit(GC::Me)},
    {"n", "number", kNumbers}, {"nd", "decimalnumber", bit(GC::Nd)}, {"nl", "letternumber", bit(GC::Nl)},
    {"no", "othernumber", bit(GC::No)},
    {"p", "punctuation", kPunctuation}, {"pc", "connectorpunctuation", bit(GC::Pc)},
    {"pd", "dashpunctuation", bit(GC::Pd)}, {"ps", "openpunctuation", bit(GC::Ps)},
    {"pe", "closepunctuation", bit(GC::Pe)}, {"pi", "initialpunctuation", bit(GC::Pi)},
    {"pf", "finalpunctuation", bit(GC::Pf)}, {"po", "otherpunctuation", bit(GC::Po)},
    {"s", "symbol", kSymbols}, {"sm", "mathsymbol", bit(GC::Sm)}, {"sc", "currencysymbol", bit(GC::Sc)},
    {"sk", "modifiersymbol", bit(GC::Sk)}, {"so", "othersymbol", bit(GC::So)},
    {"z", "separator", kSeparators}, {"zs", "spaceseparator", bit(GC::Zs)}, {"zl", "lineseparator", bit(GC::Zl)},
    {"zp", "paragraphseparator", bit(GC::Zp)},
    {"c", "other", kOthers}, {"cc", "control", bit(GC::Cc)}, {"cf", "format", bit(GC::Cf)},
    {"cs", "surrogate", bit(GC::Cs)}, {"co", "privateuse", bit(GC::Co)}, {"cn", "unassigned", bit(GC::Cn)},
    {"any", "any", 0xFFFFFFFFu},
};

RegexNode make(Kind kind) {
  RegexNode n;
  n.kind = kind;
  return n;
}

constexpr char32_t kLastFolding = 0x1FFFF;  // no code point above folds to another

class Parser {
 public:
  Parser(std::u32string_view pattern, std::string_view where) : p_(pattern), where_(where) {}

  RegexNode parse() {
    bool fold = false;
    RegexNode root = alternation(0, fold);
    if (i_ < p_.size()) fail("unmatched ')'");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InvalidArgument(std::string(where_) + ": " + problem + " at character " + std::to_string(i_) +
                          " of the pattern");
  }
  bool more() const { return i_ < p_.size(); }
  char32_t peek(std::size_t ahead = 0) const { return i_ + ahead < p_.size() ? p_[i_ + ahead] : 0; }
  bool accept(char32_t c) {
    if (more() && p_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  // alternatives separated by '|', up to ')' or the end; `fold` is the group's (?i) state.
  RegexNode alternation(int depth, bool& fold) {
    if (depth > kRegexMaxNesting) fail("groups nested more than " + std::to_string(kRegexMaxNesting) + " deep");
    RegexNode alt = make(Kind::alternation);
    alt.children.push_back(concat(depth, fold));
    while (accept(U'|')) alt.children.push_back(concat(depth, fold));
    if (alt.children.size() == 1) return std::move(alt.children.front());
    return alt;
  }

  RegexNode concat(int depth, bool& fold) {
    RegexNode seq = make(Kind::concat);
    while (more() && peek() != U'|' && peek() != U')') {
      if (peek() == U'(' && peek(1) == U'?' && (peek(2) == U'i' || peek(2) == U'-')) {
        // Inline flags: "(?i)" changes the rest of the group; "(?i:...)" only its own body.
        const std::size_t at = i_;
        i_ += 2;
        const bool on = !accept(U'-');
        if (!accept(U'i')) {
          i_ = at;
          fail("only the inline flag 'i' is supported");
        }
        if (accept(U')')) {
          fold = on;
          continue;
        }
        if (!accept(U':')) fail("expected ':' or ')' after an inline flag");
        bool inner_fold = on;
        RegexNode body = alternation(depth + 1, inner_fold);
        if (!accept(U')')) fail("missing ')'");
        seq.children.push_back(quantified(std::move(body)));
        continue;
      }
      seq.children.push_back(quantified(atom(depth, fold)));
    }
    if (seq.children.size() == 1) return std::move(seq.children.front());
    return seq;
  }

  // Reads "{n}", "{n,}", "{n,m}" or "{,m}" at i_; false (i_ unchanged) when it is a literal '{'.
  bool interval(int& min, int& max) {
    std::size_t j = i_ + 1;
    const auto number = [&](int& out) {
      const std::size_t start = j;
      long value = 0;
      while (j < p_.size() && p_[j] >= U'0' && p_[j] <= U'9') {
        value = value * 10 + static_cast<long>(p_[j] - U'0');
        if (value > 1'000'000) value = 1'000'000;
        ++j;
      }
      out = static_cast<int>(value);
      return j > start;
    };
    int lo = 0, hi = -1;
    const bool has_lo = number(lo);
    if (j < p_.size() && p_[j] == U',') {
      ++j;
      if (!number(hi)) hi = -1;
      if (!has_lo && hi < 0) return false;  // "{,}" is literal
    } else {
      if (!has_lo) return false;
      hi = lo;
    }
    if (j >= p_.size() || p_[j] != U'}') return false;
    i_ = j + 1;
    if (lo > kRegexMaxRepeat || hi > kRegexMaxRepeat) {
      fail("repeat count above " + std::to_string(kRegexMaxRepeat) + " is not supported");
    }
    if (hi >= 0 && hi < lo) fail("repeat range {" + std::to_string(lo) + "," + std::to_string(hi) + "} is empty");
    min = lo;
    max = hi;
    return true;
  }

  RegexNode quantified(RegexNode target) {
    for (;;) {
      int min = 0, max = -1;
      const char32_t c = peek();
      if (c == U'*') {
        ++i_;
      } else if (c == U'+') {
        ++i_;
        min = 1;
      } else if (c == U'?') {
        ++i_;
        max = 1;
      } else if (c != U'{' || !interval(min, max)) {
        return target;
      }
      if (target.kind == Kind::assertion || target.kind == Kind::look_ahead || target.kind == Kind::empty) {
        fail("a quantifier must follow something that matches characters");
      }
      RegexNode rep = make(Kind::repeat);
      rep.min = min;
      rep.max = max;
      if (accept(U'?')) {
        rep.greedy = false;
      } else if (peek() == U'+') {
        fail("possessive quantifiers (*+, ++, ?+) are not supported");
      }
      rep.children.push_back(std::move(target));
      target = std::move(rep);
    }
  }

  RegexNode atom(int depth, bool fold) {
    const char32_t c = p_[i_++];
    switch (c) {
      case U'(': return group(depth, fold);
      case U'[': return class_node(parse_class(fold));
      case U'.': return make(Kind::any_but_newline);
      case U'^': return assertion(RegexOp::line_start);
      case U'$': return assertion(RegexOp::line_end);
      case U'\\': return escape(fold);
      case U'*': case U'+': case U'?': --i_; fail("nothing to repeat before the quantifier");
      default: return character(c, fold);
    }
  }

  static RegexNode assertion(RegexOp op) {
    RegexNode n = make(Kind::assertion);
    n.assertion = op;
    return n;
  }
  static RegexNode character(char32_t c, bool fold) {
    RegexNode n = make(Kind::character);
    n.fold = fold;
    n.c = fold ? unicode::simple_fold(c) : c;
    return n;
  }
  static RegexNode class_node(CharClass cls) {
    RegexNode n = make(Kind::char_class);
    n.char_class = std::move(cls);
    return n;
  }

  RegexNode group(int depth, bool fold) {
    bool inner_fold = fold;
    RegexNode body;
    if (accept(U'?')) {
      const char32_t kind = more() ? p_[i_++] : 0;
      if (kind == U':') {
        body = alternation(depth + 1, inner_fold);
      } else if (kind == U'=' || kind == U'!') {
        RegexNode look = make(Kind::look_ahead);
        look.negated = kind == U'!';
        look.children.push_back(alternation(depth + 1, inner_fold));
        body = std::move(look);
      } else if (kind == U'<' && (peek() == U'=' || peek() == U'!')) {
        fail("lookbehind (?<= / (?<! is not supported");
      } else if (kind == U'>') {
        fail("atomic groups (?>...) are not supported");
      } else if (kind == U'<' || kind == U'P' || kind == U'\'') {
        fail("named groups are not supported");
      } else {
        fail("group type '(?" + unicode::encode_utf8(std::u32string(1, kind)) + "' is not supported");
      }
    } else {
      body = alternation(depth + 1, inner_fold);
    }
    if (!accept(U')')) fail("missing ')'");
    return body;
  }

  // Reads up to `digits` hex digits (all of them when exact); fails when there are none.
  char32_t hex(std::size_t digits, bool exact) {
    char32_t value = 0;
    std::size_t n = 0;
    for (; n < digits && more(); ++n) {
      const char32_t d = peek();
      int v;
      if (d >= U'0' && d <= U'9') v = static_cast<int>(d - U'0');
      else if (d >= U'a' && d <= U'f') v = static_cast<int>(d - U'a') + 10;
      else if (d >= U'A' && d <= U'F') v = static_cast<int>(d - U'A') + 10;
      else break;
      value = value * 16 + static_cast<char32_t>(v);
      ++i_;
    }
    if (n == 0 || (exact && n != digits)) fail("malformed hexadecimal escape");
    if (value > 0x10FFFF) fail("code point above U+10FFFF");
    return value;
  }

  // After '\': a single character, or (class_item set) a class shorthand / property.
  // Returns true when `item` was filled instead of `out`.
  bool escape_body(char32_t& out, ClassItem& item, bool in_class) {
    if (!more()) fail("pattern ends with '\\'");
    const char32_t c = p_[i_++];
    const auto shorthand = [&](ClassItem::Kind kind, bool negated, std::uint32_t mask = 0) {
      item = ClassItem{kind, negated};
      item.category_mask = mask;
      return true;
    };
    switch (c) {
      case U'n': out = U'\n'; return false;
      case U'r': out = U'\r'; return false;
      case U't': out = U'\t'; return false;
      case U'f': out = U'\f'; return false;
      case U'v': out = U'\v'; return false;
      case U'a': out = 7; return false;
      case U'e': out = 27; return false;
      case U'x':
        if (accept(U'{')) {
          out = hex(8, false);
          if (!accept(U'}')) fail("missing '}' in \\x{...}");
        } else {
          out = hex(2, false);
        }
        return false;
      case U'u': out = hex(4, true); return false;
      case U's': return shorthand(ClassItem::Kind::white_space, false);
      case U'S': return shorthand(ClassItem::Kind::white_space, true);
      case U'w': return shorthand(ClassItem::Kind::word, false);
      case U'W': return shorthand(ClassItem::Kind::word, true);
      case U'd': return shorthand(ClassItem::Kind::categories, false, bit(GC::Nd));
      case U'D': return shorthand(ClassItem::Kind::categories, true, bit(GC::Nd));
      case U'p': case U'P': {
        const bool negated = (c == U'P') != property_negated();
        const std::uint32_t mask = property();
        return shorthand(ClassItem::Kind::categories, negated, mask);
      }
      default: break;
    }
    const std::string name(1, static_cast<char>(c < 0x80 ? c : '?'));
    if (c >= U'0' && c <= U'9') fail("backreferences and octal escapes (\\" + name + ") are not supported");
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) {
      fail("escape \\" + name + (in_class ? " is not supported inside a character class" : " is not supported"));
    }
    out = c;  // escaped punctuation or any other character stands for itself
    return false;
  }

  bool property_negated() {
    if (!accept(U'{')) fail("expected '{' after \\p");
    return accept(U'^');
  }

  std::uint32_t property() {
    std::string name;
    while (more() && peek() != U'}') {
      const char32_t c = p_[i_++];
      if (c == U'_' || c == U' ' || c == U'-') continue;
      if (c >= 0x80) fail("malformed property name");
      name.push_back(static_cast<char>(c >= U'A' && c <= U'Z' ? c - U'A' + U'a' : c));
      if (name.size() > 40) fail("property name too long");
    }
    if (!accept(U'}')) fail("missing '}' after a property name");
    for (const PropertyName& p : kProperties) {
      if (name == p.short_name || name == p.long_name) return p.mask;
    }
    fail("Unicode property '" + name + "' is not supported (general categories such as L, Lu, N, P, S, Z, C are)");
  }

  RegexNode escape(bool fold) {
    const char32_t c = peek();
    switch (c) {
      case U'b': ++i_; return assertion(RegexOp::word_boundary);
      case U'B': ++i_; return assertion(RegexOp::not_word_boundary);
      case U'A': ++i_; return assertion(RegexOp::text_start);
      case U'z': ++i_; return assertion(RegexOp::text_end);
      case U'Z': ++i_; return assertion(RegexOp::text_end_or_final_newline);
      default: break;
    }
    char32_t out = 0;
    ClassItem item;
    if (escape_body(out, item, false)) {
      CharClass cls;
      cls.items.push_back(item);
      return class_node(std::move(cls));
    }
    return character(out, fold);
  }

  CharClass parse_class(bool fold) {
    CharClass cls;
    cls.fold = fold;
    cls.negated = accept(U'^');
    bool first = true;
    for (;;) {
      if (!more()) fail("missing ']'");
      char32_t c = p_[i_];
      if (c == U']' && !first) {
        ++i_;
        break;
      }
      first = false;
      if (c == U'[') fail("nested character classes and POSIX brackets ([:alpha:]) are not supported");
      if (c == U'&' && peek(1) == U'&') fail("character class intersection (&&) is not supported");
      ++i_;
      char32_t lo = c;
      if (c == U'\\') {
        ClassItem item;
        if (escape_body(lo, item, true)) {
          cls.items.push_back(item);
          continue;
        }
      }
      char32_t hi = lo;
      if (peek() == U'-' && peek(1) != U']' && peek(1) != 0) {
        ++i_;
        hi = p_[i_++];
        if (hi == U'[') fail("a range cannot end in a class");
        if (hi == U'\\') {
          ClassItem item;
          if (escape_body(hi, item, true)) fail("a range cannot end in a class shorthand");
        }
        if (hi < lo) fail("character range is out of order");
      }
      ClassItem range{ClassItem::Kind::range};
      range.lo = lo;
      range.hi = hi;
      cls.items.push_back(range);
    }
    if (fold) add_folded_members(cls);
    return cls;
  }

  // Case-insensitive classes also hold the folded form of every member of their ranges, so that
  // matching simple_fold(c) against them covers both cases.
  static void add_folded_members(CharClass& cls) {
    for (const ClassItem& item : cls.items) {
      if (item.kind != ClassItem::Kind::range) continue;
      if (item.lo > kLastFolding) continue;
      const char32_t end = item.hi < kLastFolding ? item.hi : kLastFolding;
      for (char32_t c = item.lo;; ++c) {
        const char32_t f = unicode::simple_fold(c);
        if (f != c) {
          ClassItem folded{ClassItem::Kind::range};
          folded.lo = folded.hi = f;
          cls.folded.push_back(folded);
        }
        if (c == end) break;
      }
    }
  }

  std::u32string_view p_;
  std::string_view where_;
  std::size_t i_ = 0;
};

}  // namespace

RegexNode parse_regex(std::u32string_view pattern, std::string_view where) {
  return Parser(pattern, where).parse();
}

}  // namespace attnscope::tokenizers
