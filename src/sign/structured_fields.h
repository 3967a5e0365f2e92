// structured_fields.h — a small, strict RFC 8941 (Structured Field Values for HTTP) parser
// and serializer: the subset RFC 9421 and RFC 9530 need (dictionaries of items and inner
// lists with parameters; integers, decimals, strings, tokens, byte sequences, booleans).
// Thread safety: pure functions. Ownership: parsed values own their strings.
//
// Strict means RFC 8941 §4.2's algorithms with no leniency: any deviation fails the whole
// field (as the RFC requires), and byte sequences must be canonical padded base64 (the RFC
// lets parsers accept missing padding; we do not, so one signature has one spelling).
// Serialization is canonical (§4.1), which is what RFC 9421 builds `@signature-params` and
// component identifiers from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sign/base64.h"

namespace keyward::sign::sf {

struct BareItem {
  enum class Type { kInteger, kDecimal, kString, kToken, kByteSequence, kBoolean };
  Type type = Type::kBoolean;
  std::int64_t integer = 0;  // kInteger
  double decimal = 0;        // kDecimal
  std::string text;          // kString, kToken
  Bytes bytes;               // kByteSequence
  bool boolean = true;       // kBoolean

  static BareItem ofInteger(std::int64_t v);
  static BareItem ofString(std::string v);
  static BareItem ofToken(std::string v);
  static BareItem ofBytes(Bytes v);
  static BareItem ofBoolean(bool v);
};

// Parameters keep their order; a repeated key overwrites the earlier value in place (§4.2.3.2).
using Parameters = std::vector<std::pair<std::string, BareItem>>;

struct Item {
  BareItem value;
  Parameters params;
};

struct InnerList {
  std::vector<Item> items;
  Parameters params;
};

struct Member {
  bool is_inner_list = false;
  Item item;       // when !is_inner_list
  InnerList list;  // when is_inner_list
};

using Dictionary = std::vector<std::pair<std::string, Member>>;

// Field parsers (the whole field value; leading and trailing spaces are allowed).
Result<Dictionary> parseDictionary(std::string_view field);
Result<Item> parseItem(std::string_view field);

// Look-ups in parsed values (the last occurrence wins when parsing, so there is one).
const Member* find(const Dictionary& dict, std::string_view key);
const BareItem* find(const Parameters& params, std::string_view key);

// Canonical serialization (§4.1). Fails only for values no field can carry (an integer out
// of range, a string with a control character, a malformed token or key).
Result<std::string> serialize(const BareItem& item);
Result<std::string> serialize(const Parameters& params);
Result<std::string> serialize(const Item& item);
Result<std::string> serialize(const InnerList& list);

bool isValidKey(std::string_view key);

}  // namespace keyward::sign::sf
