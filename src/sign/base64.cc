#include "sign/base64.h"

#include <openssl/evp.h>

namespace keyward::sign {
namespace {

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

auto malformed(std::string_view what) {
  return fail(ErrorKind::kInvalid, "MALFORMED_BASE64", std::string(what) + " is not canonical base64");
}

}  // namespace

std::span<const std::uint8_t> asBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string_view asText(std::span<const std::uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::string base64Encode(std::span<const std::uint8_t> data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  if (data.empty()) return out;
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), int(data.size()));
  out.resize(size_t(n));
  return out;
}

std::string base64Encode(std::string_view data) { return base64Encode(asBytes(data)); }

Result<Bytes> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return malformed("the value");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    if (!isBase64Char(text[i])) return malformed("the value");
  }
  if (text.empty()) return Bytes{};
  Bytes out(text.size() / 4 * 3);
  // EVP_DecodeBlock ignores padding when counting and tolerates surrounding blanks; the
  // character check above and the round trip below make it exact.
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0 || size_t(n) < pad) return malformed("the value");
  out.resize(size_t(n) - pad);
  if (base64Encode(out) != text) return malformed("the value");
  return out;
}

std::string base64UrlEncode(std::span<const std::uint8_t> data) {
  std::string s = base64Encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

std::string base64UrlEncode(std::string_view data) { return base64UrlEncode(asBytes(data)); }

Result<Bytes> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return malformed("the value");
  std::string std_form;
  std_form.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') std_form += '+';
    else if (c == '_') std_form += '/';
    else if (c == '+' || c == '/' || c == '=') return malformed("the value");
    else std_form += c;
  }
  while (std_form.size() % 4 != 0) std_form += '=';
  return base64Decode(std_form);
}

}  // namespace keyward::sign
