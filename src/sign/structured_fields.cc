#include "sign/structured_fields.h"

#include <cmath>
#include <cstdio>

namespace keyward::sign::sf {
namespace {

constexpr std::int64_t kMaxInteger = 999'999'999'999'999;  // 15 digits (§3.3.1)

auto malformed(std::string message) {
  return fail(ErrorKind::kInvalid, "MALFORMED_STRUCTURED_FIELD", std::move(message));
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || isLcAlpha(c); }

// RFC 9110 tchar.
bool isTchar(char c) {
  if (isAlpha(c) || isDigit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool isKeyChar(char c) { return isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*'; }

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  bool atEnd() const { return pos_ >= in_.size(); }
  char peek() const { return atEnd() ? '\0' : in_[pos_]; }
  void skipSp() {
    while (!atEnd() && in_[pos_] == ' ') ++pos_;
  }
  void skipOws() {
    while (!atEnd() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }

  Result<Dictionary> dictionary() {
    Dictionary dict;
    skipSp();
    while (!atEnd()) {
      auto key = this->key();
      if (!key) return std::unexpected(key.error());
      Member member;
      if (peek() == '=') {
        ++pos_;
        auto m = itemOrInnerList();
        if (!m) return std::unexpected(m.error());
        member = std::move(*m);
      } else {
        member.item.value = BareItem::ofBoolean(true);
        auto params = parameters();
        if (!params) return std::unexpected(params.error());
        member.item.params = std::move(*params);
      }
      put(dict, std::move(*key), std::move(member));
      skipOws();
      if (atEnd()) break;
      if (peek() != ',') return malformed("expected ',' between dictionary members");
      ++pos_;
      skipOws();
      if (atEnd()) return malformed("trailing ',' in a dictionary");
    }
    return dict;
  }

  Result<Item> topItem() {
    skipSp();
    auto it = item();
    if (!it) return it;
    skipSp();
    if (!atEnd()) return malformed("unexpected characters after an item");
    return it;
  }

 private:
  template <class V>
  static void put(std::vector<std::pair<std::string, V>>& out, std::string key, V value) {
    for (auto& [k, v] : out) {
      if (k == key) {
        v = std::move(value);
        return;
      }
    }
    out.emplace_back(std::move(key), std::move(value));
  }

  Result<Member> itemOrInnerList() {
    Member m;
    if (peek() == '(') {
      auto list = innerList();
      if (!list) return std::unexpected(list.error());
      m.is_inner_list = true;
      m.list = std::move(*list);
    } else {
      auto it = item();
      if (!it) return std::unexpected(it.error());
      m.item = std::move(*it);
    }
    return m;
  }

  Result<InnerList> innerList() {
    ++pos_;  // '('
    InnerList list;
    while (!atEnd()) {
      skipSp();
      if (peek() == ')') {
        ++pos_;
        auto params = parameters();
        if (!params) return std::unexpected(params.error());
        list.params = std::move(*params);
        return list;
      }
      auto it = item();
      if (!it) return std::unexpected(it.error());
      list.items.push_back(std::move(*it));
      if (peek() != ' ' && peek() != ')') return malformed("expected ' ' or ')' in an inner list");
    }
    return malformed("unterminated inner list");
  }

  Result<Item> item() {
    auto bare = bareItem();
    if (!bare) return std::unexpected(bare.error());
    auto params = parameters();
    if (!params) return std::unexpected(params.error());
    return Item{std::move(*bare), std::move(*params)};
  }

  Result<Parameters> parameters() {
    Parameters params;
    while (peek() == ';') {
      ++pos_;
      skipSp();
      auto key = this->key();
      if (!key) return std::unexpected(key.error());
      BareItem value = BareItem::ofBoolean(true);
      if (peek() == '=') {
        ++pos_;
        auto v = bareItem();
        if (!v) return std::unexpected(v.error());
        value = std::move(*v);
      }
      put(params, std::move(*key), std::move(value));
    }
    return params;
  }

  Result<std::string> key() {
    if (!(isLcAlpha(peek()) || peek() == '*')) return malformed("a key must start with a lowercase letter or '*'");
    const size_t start = pos_;
    while (!atEnd() && isKeyChar(in_[pos_])) ++pos_;
    return std::string(in_.substr(start, pos_ - start));
  }

  Result<BareItem> bareItem() {
    const char c = peek();
    if (c == '-' || isDigit(c)) return number();
    if (c == '"') return string();
    if (c == ':') return byteSequence();
    if (c == '?') return boolean();
    if (isAlpha(c) || c == '*') return token();
    return malformed("unexpected character where an item was expected");
  }

  Result<BareItem> number() {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!isDigit(peek())) return malformed("a number needs a digit");
    const size_t start = pos_;
    size_t dot = std::string_view::npos;
    while (!atEnd()) {
      const char c = in_[pos_];
      if (isDigit(c)) {
        ++pos_;
      } else if (c == '.' && dot == std::string_view::npos) {
        if (pos_ - start > 12) return malformed("a decimal has at most 12 integer digits");
        dot = pos_;
        ++pos_;
      } else {
        break;
      }
      if (dot == std::string_view::npos && pos_ - start > 15) return malformed("an integer has at most 15 digits");
      if (dot != std::string_view::npos && pos_ - start > 16) return malformed("a decimal is too long");
    }
    const std::string digits(in_.substr(start, pos_ - start));
    if (dot == std::string_view::npos) {
      BareItem b = BareItem::ofInteger(std::stoll(digits));
      if (negative) b.integer = -b.integer;
      return b;
    }
    const size_t frac = pos_ - dot - 1;
    if (frac < 1 || frac > 3) return malformed("a decimal has 1 to 3 fraction digits");
    BareItem b;
    b.type = BareItem::Type::kDecimal;
    b.decimal = std::strtod(digits.c_str(), nullptr) * (negative ? -1 : 1);
    return b;
  }

  Result<BareItem> string() {
    ++pos_;  // '"'
    std::string out;
    while (!atEnd()) {
      const char c = in_[pos_++];
      if (c == '\\') {
        if (atEnd()) return malformed("unterminated string");
        const char e = in_[pos_++];
        if (e != '"' && e != '\\') return malformed("a string may only escape '\"' and '\\'");
        out += e;
      } else if (c == '"') {
        return BareItem::ofString(std::move(out));
      } else if (c < 0x20 || c > 0x7e) {
        return malformed("a string may only hold printable ASCII");
      } else {
        out += c;
      }
    }
    return malformed("unterminated string");
  }

  Result<BareItem> token() {
    const size_t start = pos_;
    ++pos_;
    while (!atEnd() && (isTchar(in_[pos_]) || in_[pos_] == ':' || in_[pos_] == '/')) ++pos_;
    return BareItem::ofToken(std::string(in_.substr(start, pos_ - start)));
  }

  Result<BareItem> byteSequence() {
    ++pos_;  // ':'
    const size_t end = in_.find(':', pos_);
    if (end == std::string_view::npos) return malformed("unterminated byte sequence");
    auto bytes = base64Decode(in_.substr(pos_, end - pos_));
    if (!bytes) return malformed("a byte sequence must be canonical, padded base64");
    pos_ = end + 1;
    return BareItem::ofBytes(std::move(*bytes));
  }

  Result<BareItem> boolean() {
    ++pos_;  // '?'
    const char c = peek();
    if (c != '0' && c != '1') return malformed("a boolean is ?0 or ?1");
    ++pos_;
    return BareItem::ofBoolean(c == '1');
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

BareItem BareItem::ofInteger(std::int64_t v) {
  BareItem b;
  b.type = Type::kInteger;
  b.integer = v;
  return b;
}
BareItem BareItem::ofString(std::string v) {
  BareItem b;
  b.type = Type::kString;
  b.text = std::move(v);
  return b;
}
BareItem BareItem::ofToken(std::string v) {
  BareItem b;
  b.type = Type::kToken;
  b.text = std::move(v);
  return b;
}
BareItem BareItem::ofBytes(Bytes v) {
  BareItem b;
  b.type = Type::kByteSequence;
  b.bytes = std::move(v);
  return b;
}
BareItem BareItem::ofBoolean(bool v) {
  BareItem b;
  b.type = Type::kBoolean;
  b.boolean = v;
  return b;
}

Result<Dictionary> parseDictionary(std::string_view field) { return Parser(field).dictionary(); }
Result<Item> parseItem(std::string_view field) { return Parser(field).topItem(); }

const Member* find(const Dictionary& dict, std::string_view key) {
  for (const auto& [k, v] : dict) {
    if (k == key) return &v;
  }
  return nullptr;
}

const BareItem* find(const Parameters& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool isValidKey(std::string_view key) {
  if (key.empty() || !(isLcAlpha(key[0]) || key[0] == '*')) return false;
  for (char c : key) {
    if (!isKeyChar(c)) return false;
  }
  return true;
}

Result<std::string> serialize(const BareItem& item) {
  using T = BareItem::Type;
  switch (item.type) {
    case T::kInteger:
      if (item.integer > kMaxInteger || item.integer < -kMaxInteger) return malformed("integer out of range");
      return std::to_string(item.integer);
    case T::kDecimal: {
      const double rounded = std::nearbyint(item.decimal * 1000) / 1000;  // round half to even
      if (std::fabs(rounded) >= 1e12) return malformed("decimal out of range");
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", rounded);
      std::string s(buf);
      while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
      return s;
    }
    case T::kString: {
      std::string out = "\"";
      for (char c : item.text) {
        if (c < 0x20 || c > 0x7e) return malformed("a string may only hold printable ASCII");
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      return out;
    }
    case T::kToken: {
      const auto& t = item.text;
      if (t.empty() || !(isAlpha(t[0]) || t[0] == '*')) return malformed("invalid token");
      for (char c : t) {
        if (!(isTchar(c) || c == ':' || c == '/')) return malformed("invalid token");
      }
      return t;
    }
    case T::kByteSequence: return ":" + base64Encode(item.bytes) + ":";
    case T::kBoolean: return std::string(item.boolean ? "?1" : "?0");
  }
  return malformed("unknown item type");
}

Result<std::string> serialize(const Parameters& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!isValidKey(key)) return malformed("invalid parameter key");
    out += ';';
    out += key;
    if (value.type == BareItem::Type::kBoolean && value.boolean) continue;
    auto v = serialize(value);
    if (!v) return v;
    out += '=';
    out += *v;
  }
  return out;
}

Result<std::string> serialize(const Item& item) {
  auto bare = serialize(item.value);
  if (!bare) return bare;
  auto params = serialize(item.params);
  if (!params) return params;
  return *bare + *params;
}

Result<std::string> serialize(const InnerList& list) {
  std::string out = "(";
  for (size_t i = 0; i < list.items.size(); ++i) {
    auto it = serialize(list.items[i]);
    if (!it) return it;
    if (i) out += ' ';
    out += *it;
  }
  out += ')';
  auto params = serialize(list.params);
  if (!params) return params;
  return out + *params;
}

}  // namespace keyward::sign::sf
