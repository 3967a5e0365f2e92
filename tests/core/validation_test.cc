// Unit tests for the semantic rules on names, settings, expiry, allowlists and roles
// (src/core/validation.h).
#include "core/validation.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

constexpr UnixSeconds kNow = 1'800'000'000;
constexpr UnixSeconds kDay = 86400;

TEST(ResolveExpiry, DefaultIsTheTenantsDefaultOf182Days) {
  TenantSettings s;
  EXPECT_EQ(s.default_expiry_days, 182);
  EXPECT_EQ(resolveExpiry({}, s, kNow).value(), kNow + 182 * kDay);
  s.default_expiry_days = 30;
  EXPECT_EQ(resolveExpiry({}, s, kNow).value(), kNow + 30 * kDay);
}

TEST(ResolveExpiry, PresetsInDays) {
  TenantSettings s;
  for (int days : {1, 7, 30, 90, 365, 36500}) {
    ExpiryInput in;
    in.in_days = days;
    EXPECT_EQ(resolveExpiry(in, s, kNow).value(), kNow + days * kDay) << days;
  }
}

TEST(ResolveExpiry, DaysOutOfRangeAreRefused) {
  for (int days : {0, -1, 36501}) {
    ExpiryInput in;
    in.in_days = days;
    auto r = resolveExpiry(in, {}, kNow);
    ASSERT_FALSE(r) << days;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
    EXPECT_EQ(r.error().field, "expires_in_days");
  }
}

TEST(ResolveExpiry, AbsoluteTimeMustBeInTheFuture) {
  ExpiryInput in;
  in.at = kNow + 1;
  EXPECT_EQ(resolveExpiry(in, {}, kNow).value(), kNow + 1);
  for (UnixSeconds at : {kNow, kNow - 1, UnixSeconds(0)}) {
    in.at = at;
    auto r = resolveExpiry(in, {}, kNow);
    ASSERT_FALSE(r) << at;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
    EXPECT_EQ(r.error().field, "expires_at");
  }
}

TEST(ResolveExpiry, NeverExpiresWithoutAPolicy) {
  ExpiryInput in;
  in.never = true;
  EXPECT_EQ(resolveExpiry(in, {}, kNow).value(), kNever);
}

TEST(ResolveExpiry, OnlyOneFormMayBeGiven) {
  ExpiryInput in;
  in.in_days = 3;
  in.never = true;
  auto r = resolveExpiry(in, {}, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  ExpiryInput in2;
  in2.in_days = 3;
  in2.at = kNow + kDay;
  EXPECT_FALSE(resolveExpiry(in2, {}, kNow));
}

TEST(ResolveExpiry, TenantMaximumIsEnforced) {
  TenantSettings s;
  s.max_expiry_days = 90;
  s.default_expiry_days = 30;
  ExpiryInput in;
  in.in_days = 90;
  EXPECT_EQ(resolveExpiry(in, s, kNow).value(), kNow + 90 * kDay);
  in.in_days = 91;
  auto r = resolveExpiry(in, s, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().field, "expires_in_days");
  EXPECT_NE(r.error().message.find("90"), std::string::npos) << r.error().message;

  ExpiryInput at;
  at.at = kNow + 90 * kDay;
  EXPECT_TRUE(resolveExpiry(at, s, kNow));
  at.at = kNow + 90 * kDay + 1;
  r = resolveExpiry(at, s, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  EXPECT_EQ(r.error().field, "expires_at");
}

TEST(ResolveExpiry, NeverExpiringKeysAreRefusedUnderAMaximum) {
  TenantSettings s;
  s.max_expiry_days = 365;
  s.default_expiry_days = 182;
  ExpiryInput in;
  in.never = true;
  auto r = resolveExpiry(in, s, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  EXPECT_EQ(r.error().field, "never_expires");
}

TEST(ResolveExpiry, NeverExpiringKeysAreRefusedWhenTheTenantForbidsThem) {
  TenantSettings s;
  ExpiryInput in;
  in.never = true;
  EXPECT_EQ(resolveExpiry(in, s, kNow).value_or(0), kNever);  // allowed by default (Ivanti)
  s.allow_never_expiring = false;
  auto r = resolveExpiry(in, s, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  EXPECT_EQ(r.error().field, "never_expires");
  in.never = false;
  in.in_days = 30;
  EXPECT_TRUE(resolveExpiry(in, s, kNow));  // a finite expiry is still fine
}

TEST(TenantSettings, DefaultsAreValid) { EXPECT_TRUE(validateTenantSettings({})); }

TEST(TenantSettings, BadValuesNameTheirField) {
  auto fieldOf = [](TenantSettings s) {
    auto st = validateTenantSettings(s);
    return st ? std::string("<ok>") : st.error().field;
  };
  TenantSettings s;
  s.key_prefix = "K";
  EXPECT_EQ(fieldOf(s), "key_prefix");
  s = {};
  s.key_prefix = "has_underscore";
  EXPECT_EQ(fieldOf(s), "key_prefix");
  s = {};
  s.default_expiry_days = 0;
  EXPECT_EQ(fieldOf(s), "default_expiry_days");
  s = {};
  s.max_expiry_days = 0;
  EXPECT_EQ(fieldOf(s), "max_expiry_days");
  s = {};
  s.max_expiry_days = 30;  // default 182 exceeds it
  EXPECT_EQ(fieldOf(s), "default_expiry_days");
  s = {};
  s.expiry_alert_days = 0;
  EXPECT_EQ(fieldOf(s), "expiry_alert_days");
  s = {};
  s.max_keys_per_service_user = 0;
  EXPECT_EQ(fieldOf(s), "max_keys_per_service_user");
}

TEST(Names, RulesForNames) {
  EXPECT_TRUE(validateName("name", "billing-sync"));
  EXPECT_TRUE(validateName("name", "Billing sync (prod)"));
  EXPECT_TRUE(validateName("name", std::string(kMaxNameBytes, 'x')));
  for (std::string bad :
       {std::string(), std::string(kMaxNameBytes + 1, 'x'), std::string("a\nb"), std::string("tab\there"),
        std::string(" lead"), std::string("trail "), std::string("nul\0x", 5), std::string("del\x7f")}) {
    auto st = validateName("name", bad);
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().field, "name");
    EXPECT_EQ(st.error().kind, ErrorKind::kInvalid);
  }
}

TEST(Names, DescriptionLength) {
  EXPECT_TRUE(validateDescription("description", std::string(kMaxDescriptionBytes, 'x')));
  auto st = validateDescription("description", std::string(kMaxDescriptionBytes + 1, 'x'));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "description");
}

TEST(Allowlist, ParsesEveryEntry) {
  auto r = parseAllowlist({"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(formatCidr((*r)[2]), "192.0.2.7/32");
  EXPECT_TRUE(parseAllowlist({}).value().empty());
}

TEST(Allowlist, BadEntryNamesItsIndex) {
  auto r = parseAllowlist({"10.0.0.0/8", "10.0.0.1/8"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ip_allowlist[1]");
  EXPECT_EQ(r.error().code, "INVALID_CIDR");
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
}

TEST(Allowlist, TooManyEntriesAreRefused) {
  std::vector<std::string> many(kMaxAllowlistEntries + 1, "10.0.0.0/8");
  auto r = parseAllowlist(many);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ip_allowlist");
  many.pop_back();
  EXPECT_TRUE(parseAllowlist(many));
}

TEST(Metadata, SizeLimit) {
  EXPECT_TRUE(validateMetadataSize(std::string(kMaxMetadataBytes, 'x')));
  auto st = validateMetadataSize(std::string(kMaxMetadataBytes + 1, 'x'));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "metadata");
}

}  // namespace
}  // namespace keyward
