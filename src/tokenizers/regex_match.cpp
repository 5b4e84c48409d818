// The backtracking machine behind Regex::find_all (see regex.hpp for the semantics).
//
// Why it stays linear: there are no captures or backreferences, so whether the program can reach
// `match` from a (split instruction, position) state does not depend on how the state was
// reached. A state that has been explored once without success is never explored again (the memo
// below), across all start positions of one find_all, which bounds the work by
// splits × text length; revisiting a state that is still being explored (an empty loop) fails,
// which ends empty loops. Lookaheads are separate searches whose result depends only on the
// position; each is computed once per position.
#include <deque>
#include <limits>
#include <string>
#include <unordered_set>

#include "tokenizers/regex.hpp"
#include "tokenizers/regex_program.hpp"
#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

constexpr std::size_t kNoMatch = std::numeric_limits<std::size_t>::max();
constexpr std::uint64_t kMaxMemoBits = std::uint64_t{1} << 30;  // 128 MiB of memo at most

// Explored (split, position) states: dense bits for the main search, a hash set for the short
// lookahead searches (each starts empty).
class Memo {
 public:
  Memo(std::size_t splits, std::size_t positions, bool dense) : splits_(splits), dense_(dense) {
    if (dense) bits_.assign((splits * positions + 63) / 64, 0);
  }
  // True when the state was already explored; marks it otherwise.
  bool test_and_set(std::uint32_t split, std::size_t pos) {
    const std::uint64_t key = static_cast<std::uint64_t>(pos) * splits_ + split;
    if (!dense_) return !sparse_.insert(key).second;
    std::uint64_t& word = bits_[key / 64];
    const std::uint64_t mask = std::uint64_t{1} << (key % 64);
    const bool seen = (word & mask) != 0;
    word |= mask;
    return seen;
  }
  // Forgets the states at `pos` (those of a successful search are not failures).
  void clear_position(std::size_t pos) {
    for (std::size_t s = 0; s < splits_; ++s) {
      const std::uint64_t key = static_cast<std::uint64_t>(pos) * splits_ + s;
      bits_[key / 64] &= ~(std::uint64_t{1} << (key % 64));
    }
  }

 private:
  std::size_t splits_;
  bool dense_;
  std::vector<std::uint64_t> bits_;
  std::unordered_set<std::uint64_t> sparse_;
};

class Machine {
 public:
  Machine(const RegexProgram& prog, std::u32string_view text) : prog_(prog), text_(text) {
    const std::uint64_t positions = text.size() + 1;
    if (prog.splits > 0 && positions * prog.splits > kMaxMemoBits) {
      throw InvalidArgument("regex: a text of " + std::to_string(text.size()) +
                            " characters is too long for this pattern (split it into smaller pieces)");
    }
    // Work is bounded by the memo; this only stops lookahead-heavy hostile patterns.
    step_budget_ = 50'000'000 + 4'000 * positions;
    look_cache_.assign(static_cast<std::size_t>(prog.look_aheads) * positions, 0);
  }

  // End of the highest-priority match starting exactly at `pos`, or kNoMatch.
  std::size_t run(std::uint32_t start_pc, std::size_t start_pos, Memo& memo, std::size_t depth) {
    if (stacks_.size() <= depth) stacks_.resize(depth + 1);
    std::vector<Job>& stack = stacks_[depth];
    stack.clear();
    stack.push_back({start_pc, start_pos});
    const std::size_t n = text_.size();
    while (!stack.empty()) {
      std::uint32_t pc = stack.back().pc;
      std::size_t pos = stack.back().pos;
      stack.pop_back();
      for (bool alive = true; alive;) {
        if (++steps_ > step_budget_) {
          throw InvalidArgument("regex: the pattern needs too many steps on this text (nested lookaheads?)");
        }
        const RegexInst& in = prog_.code[pc];
        switch (in.op) {
          case RegexOp::character:
            alive = pos < n && text_[pos] == in.c;
            ++pc, ++pos;
            break;
          case RegexOp::character_fold:
            alive = pos < n && unicode::simple_fold(text_[pos]) == in.c;
            ++pc, ++pos;
            break;
          case RegexOp::char_class:
            alive = pos < n && prog_.classes[in.arg].contains(text_[pos]);
            ++pc, ++pos;
            break;
          case RegexOp::any_but_newline:
            alive = pos < n && text_[pos] != U'\n';
            ++pc, ++pos;
            break;
          case RegexOp::split:
            if (memo.test_and_set(in.arg, pos)) {
              alive = false;
            } else {
              stack.push_back({in.y, pos});
              pc = in.x;
            }
            break;
          case RegexOp::jump: pc = in.x; break;
          case RegexOp::match: return pos;
          case RegexOp::look_ahead:
            alive = look_ahead(in, pos, depth) != in.negated;
            pc = in.y;
            break;
          default:
            alive = assertion_holds(in.op, pos);
            ++pc;
            break;
        }
      }
    }
    return kNoMatch;
  }

  bool look_ahead(const RegexInst& in, std::size_t pos, std::size_t depth) {
    std::uint8_t& cached = look_cache_[static_cast<std::size_t>(in.arg) * (text_.size() + 1) + pos];
    if (cached == 0) {
      Memo memo(prog_.splits, text_.size() + 1, false);
      cached = run(in.x, pos, memo, depth + 1) != kNoMatch ? 1 : 2;
    }
    return cached == 1;
  }

 private:
  struct Job {
    std::uint32_t pc;
    std::size_t pos;
  };

  bool word_at(std::size_t pos) const { return pos < text_.size() && is_regex_word_char(text_[pos]); }

  bool assertion_holds(RegexOp op, std::size_t pos) const {
    const std::size_t n = text_.size();
    switch (op) {
      case RegexOp::line_start: return pos == 0 || text_[pos - 1] == U'\n';
      case RegexOp::line_end: return pos == n || text_[pos] == U'\n';
      case RegexOp::text_start: return pos == 0;
      case RegexOp::text_end: return pos == n;
      case RegexOp::text_end_or_final_newline: return pos == n || (pos + 1 == n && text_[pos] == U'\n');
      case RegexOp::word_boundary: return (pos > 0 && word_at(pos - 1)) != word_at(pos);
      case RegexOp::not_word_boundary: return (pos > 0 && word_at(pos - 1)) == word_at(pos);
      default: return false;
    }
  }

  const RegexProgram& prog_;
  std::u32string_view text_;
  std::deque<std::vector<Job>> stacks_;  // one per lookahead nesting depth (deque: growing keeps references)
  std::vector<std::uint8_t> look_cache_;  // per (lookahead, position): 0 unknown, 1 matches, 2 does not
  std::uint64_t steps_ = 0, step_budget_ = 0;
};

}  // namespace

std::vector<RegexMatch> Regex::find_all(std::u32string_view text) const {
  std::vector<RegexMatch> matches;
  Machine machine(*program_, text);
  Memo memo(program_->splits, text.size() + 1, true);
  const std::size_t n = text.size();
  std::size_t from = 0;
  std::size_t last_end = kNoMatch;
  while (from <= n) {
    RegexMatch m{kNoMatch, kNoMatch};
    for (std::size_t start = from; start <= n; ++start) {
      const std::size_t end = machine.run(0, start, memo, 0);
      if (end != kNoMatch) {
        m = {start, end};
        break;
      }
    }
    if (m.start == kNoMatch) break;
    memo.clear_position(m.end);
    if (m.start == m.end && m.end == last_end) {
      from = m.end + 1;  // no empty match right where the previous one ended
      continue;
    }
    matches.push_back(m);
    last_end = m.end;
    from = m.end;
  }
  return matches;
}

}  // namespace attnscope::tokenizers
