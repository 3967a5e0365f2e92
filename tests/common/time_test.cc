// Unit tests for RFC 3339 formatting and strict parsing (src/common/time.h).
#include "common/time.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

// 2026-11-22T08:00:00Z
constexpr UnixSeconds kNov22 = 1795334400;

TEST(Rfc3339, FormatsUtcWithZSuffix) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(kNov22), "2026-11-22T08:00:00Z");
  EXPECT_EQ(formatRfc3339(951782400), "2000-02-29T00:00:00Z");  // leap day
}

TEST(Rfc3339, ParsesWhatItFormats) {
  for (UnixSeconds t : {UnixSeconds(0), UnixSeconds(1), kNov22, UnixSeconds(4102444799)}) {
    auto parsed = parseRfc3339(formatRfc3339(t));
    ASSERT_TRUE(parsed) << formatRfc3339(t);
    EXPECT_EQ(*parsed, t);
  }
}

TEST(Rfc3339, AppliesPositiveAndNegativeOffsets) {
  EXPECT_EQ(parseRfc3339("2026-11-22T10:30:00+02:30").value(), kNov22);
  EXPECT_EQ(parseRfc3339("2026-11-22T03:00:00-05:00").value(), kNov22);
  EXPECT_EQ(parseRfc3339("2026-11-22T08:00:00+00:00").value(), kNov22);
  EXPECT_EQ(parseRfc3339("2026-11-22T08:00:00-00:00").value(), kNov22);
}

TEST(Rfc3339, AcceptsLowercaseSeparators) { EXPECT_EQ(parseRfc3339("2026-11-22t08:00:00z").value(), kNov22); }

TEST(Rfc3339, TruncatesFractionsToTheSecond) {
  EXPECT_EQ(parseRfc3339("2026-11-22T08:00:00.999Z").value(), kNov22);
  EXPECT_EQ(parseRfc3339("2026-11-22T08:00:00.1+01:00").value(), kNov22 - 3600);
  EXPECT_EQ(parseRfc3339("2026-11-22T08:00:00.123456789Z").value(), kNov22);
}

TEST(Rfc3339, RejectsDateOnly) {
  auto r = parseRfc3339("2026-11-22");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().code, "INVALID_TIMESTAMP");
}

TEST(Rfc3339, RejectsLocalTimeWithoutOffset) {
  EXPECT_FALSE(parseRfc3339("2026-11-22T08:00:00"));
  EXPECT_FALSE(parseRfc3339("2026-11-22T08:00:00.5"));
}

TEST(Rfc3339, RejectsGarbage) {
  for (const char* s :
       {"", "now", "tomorrow", "1795334400", "2026-11-22 08:00:00Z", "2026/11/22T08:00:00Z", "2026-11-22T08:00Z",
        "2026-11-22T08:00:00ZZ", "2026-11-22T08:00:00Z ", " 2026-11-22T08:00:00Z", "2026-11-22T08:00:00.Z",
        "2026-11-22T08:00:00+0200", "2026-11-22T08:00:00+02", "2026-11-22T08:00:00+2:00", "2026-1-22T08:00:00Z",
        "20261122T080000Z", "2026-11-22T08:00:00+02:00x"}) {
    EXPECT_FALSE(parseRfc3339(s)) << "accepted: '" << s << "'";
  }
}

TEST(Rfc3339, RejectsInvalidCalendarDatesAndTimes) {
  for (const char* s : {"2026-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                        "2026-04-31T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
                        "2026-01-01T23:59:61Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60"}) {
    EXPECT_FALSE(parseRfc3339(s)) << "accepted: '" << s << "'";
  }
  EXPECT_TRUE(parseRfc3339("2028-02-29T00:00:00Z"));  // a real leap day
}

TEST(Rfc3339, LeapSecondIsClampedToTheLastSecondOfTheMinute) {
  EXPECT_EQ(parseRfc3339("2016-12-31T23:59:60Z").value(), parseRfc3339("2016-12-31T23:59:59Z").value());
}

}  // namespace
}  // namespace keyward
