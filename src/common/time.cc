#include "common/time.h"

#include <chrono>
#include <cstdio>

namespace keyward {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

UnixSeconds SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatRfc3339(UnixSeconds t) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

Result<UnixSeconds> parseRfc3339(std::string_view s) {
  auto bad = [] {
    return fail(ErrorKind::kInvalid, "INVALID_TIMESTAMP",
                "expected an RFC 3339 date-time such as 2026-12-31T23:59:59Z");
  };
  int Y, M, D, h, m, sec;
  if (s.size() < 20 || !digits(s, 0, 4, Y) || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
      !digits(s, 8, 2, D) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, m) || s[16] != ':' || !digits(s, 17, 2, sec))
    return bad();
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return bad();
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return bad();
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{year{Y}, month{unsigned(M)}, day{unsigned(D)}};
  if (!ymd.ok() || h > 23 || m > 59 || sec > 60) return bad();
  const auto days_since = sys_days{ymd}.time_since_epoch().count();
  return UnixSeconds(days_since) * 86400 + h * 3600 + m * 60 + std::min(sec, 59) - offset;
}

}  // namespace keyward
