// key_text.h — compact text types for the fields of a compiled key, so that a million loaded
// keys cost as little memory as possible and the hot path follows no pointer to a heap string
// (docs/architecture.md, "The index"):
// - SmallText: up to 31 characters inline (every key id, most names), longer on the heap;
// - CompactText: 8 bytes; up to 7 characters inline (metadata "{}"), longer on the heap;
// - SharedText: 8 bytes; a pointer into a process-wide table of interned strings, for values
//   that many keys share (tenant id, group id). Interned strings are never freed: the table
//   grows with the number of distinct tenants and groups ever loaded, not with keys.
// Thread safety: values are like std::string (const use from many threads is safe);
// SharedText's intern table is guarded by its own mutex. Ownership: SmallText and CompactText
// own their heap copy (copying copies it); SharedText points into the immortal table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace keyward::verify {

class SmallText {
 public:
  SmallText() noexcept { raw_[kTag] = 0; }
  SmallText(std::string_view s) { init(s); }
  SmallText(const std::string& s) { init(s); }
  SmallText(const char* s) { init(s); }
  SmallText(const SmallText& o) { init(o.view()); }
  SmallText& operator=(const SmallText& o) {
    if (this != &o) {
      SmallText copy(o);
      swap(copy);
    }
    return *this;
  }
  SmallText(SmallText&& o) noexcept {
    std::memcpy(raw_, o.raw_, sizeof raw_);
    o.raw_[kTag] = 0;
  }
  SmallText& operator=(SmallText&& o) noexcept {
    swap(o);
    return *this;
  }
  ~SmallText() {
    if (onHeap()) delete[] heapPtr();
  }

  std::string_view view() const noexcept {
    return onHeap() ? std::string_view(heapPtr(), heapSize()) : std::string_view(raw_, size_t(raw_[kTag]));
  }
  operator std::string_view() const noexcept { return view(); }
  operator std::string() const { return std::string(view()); }
  bool empty() const noexcept { return view().empty(); }
  size_t size() const noexcept { return view().size(); }
  friend bool operator==(const SmallText& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  static constexpr size_t kTag = 31;  // raw_[31]: length (0..31) when inline, kHeap otherwise
  static constexpr char kHeap = char(0xFF);
  bool onHeap() const noexcept { return raw_[kTag] == kHeap; }
  char* heapPtr() const noexcept {
    char* p;
    std::memcpy(&p, raw_, sizeof p);
    return p;
  }
  size_t heapSize() const noexcept {
    size_t n;
    std::memcpy(&n, raw_ + sizeof(char*), sizeof n);
    return n;
  }
  void init(std::string_view s) {
    if (s.size() <= kTag) {
      // An empty view may have a null data(), which memcpy must not be given even for 0 bytes.
      if (!s.empty()) std::memcpy(raw_, s.data(), s.size());
      raw_[kTag] = char(s.size());
      return;
    }
    char* p = new char[s.size()];
    std::memcpy(p, s.data(), s.size());
    const size_t n = s.size();
    std::memcpy(raw_, &p, sizeof p);
    std::memcpy(raw_ + sizeof p, &n, sizeof n);
    raw_[kTag] = kHeap;
  }
  void swap(SmallText& o) noexcept {
    char tmp[sizeof raw_];
    std::memcpy(tmp, raw_, sizeof raw_);
    std::memcpy(raw_, o.raw_, sizeof raw_);
    std::memcpy(o.raw_, tmp, sizeof raw_);
  }
  alignas(8) char raw_[32];
};

class CompactText {
 public:
  CompactText() noexcept { setInline({}); }
  CompactText(std::string_view s) { init(s); }
  CompactText(const std::string& s) { init(s); }
  CompactText(const char* s) { init(s); }
  CompactText(const CompactText& o) { init(o.view()); }
  CompactText& operator=(const CompactText& o) {
    if (this != &o) {
      CompactText copy(o);
      std::swap(bits_, copy.bits_);
    }
    return *this;
  }
  CompactText(CompactText&& o) noexcept : bits_(o.bits_) { o.setInline({}); }
  CompactText& operator=(CompactText&& o) noexcept {
    std::swap(bits_, o.bits_);
    return *this;
  }
  ~CompactText() {
    if (!isInline()) delete[] heap();
  }

  std::string_view view() const noexcept {
    if (isInline()) return std::string_view(reinterpret_cast<const char*>(&bits_) + 1, size_t((bits_ & 0xFF) >> 1));
    std::uint32_t n;
    std::memcpy(&n, heap(), sizeof n);
    return std::string_view(heap() + sizeof n, n);
  }
  operator std::string_view() const noexcept { return view(); }
  operator std::string() const { return std::string(view()); }
  bool empty() const noexcept { return view().empty(); }
  friend bool operator==(const CompactText& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  // Inline: the low byte (the first byte in memory on little-endian machines, which is all
  // this service targets) is (length << 1) | 1 and the characters follow. Heap: an
  // operator new[] pointer, at least 2-aligned, so its low bit is 0; it points at a 32-bit
  // length followed by the characters.
  static_assert(sizeof(std::uint64_t) == sizeof(char*));
  bool isInline() const noexcept { return bits_ & 1; }
  char* heap() const noexcept { return reinterpret_cast<char*>(bits_); }
  void setInline(std::string_view s) noexcept {
    bits_ = (std::uint64_t(s.size()) << 1) | 1;
    if (!s.empty()) std::memcpy(reinterpret_cast<char*>(&bits_) + 1, s.data(), s.size());  // see SmallText::init
  }
  void init(std::string_view s) {
    if (s.size() <= 7) {
      setInline(s);
      return;
    }
    const auto n = std::uint32_t(s.size());
    char* p = new char[sizeof n + s.size()];
    std::memcpy(p, &n, sizeof n);
    std::memcpy(p + sizeof n, s.data(), s.size());
    bits_ = reinterpret_cast<std::uint64_t>(p);
  }
  std::uint64_t bits_;
};

class SharedText {
 public:
  SharedText() noexcept : s_(empty_string()) {}
  SharedText(std::string_view s) : s_(intern(s)) {}
  SharedText(const std::string& s) : s_(intern(s)) {}
  SharedText(const char* s) : s_(intern(s)) {}

  const std::string& str() const noexcept { return *s_; }
  std::string_view view() const noexcept { return *s_; }
  operator std::string_view() const noexcept { return *s_; }
  operator const std::string&() const noexcept { return *s_; }
  bool empty() const noexcept { return s_->empty(); }
  size_t size() const noexcept { return s_->size(); }
  friend bool operator==(const SharedText& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  static const std::string* empty_string() noexcept;
  static const std::string* intern(std::string_view s);
  const std::string* s_;
};

std::ostream& operator<<(std::ostream& os, const SmallText& t);
std::ostream& operator<<(std::ostream& os, const CompactText& t);
std::ostream& operator<<(std::ostream& os, const SharedText& t);

}  // namespace keyward::verify
