// The general strict JSON reader every handler reads its body with: what a client sees for a
// malformed, empty or wrongly typed body (code, message, field), what counts as read for
// finish(), and what Boost.JSON decides for us (duplicate keys, depth, UTF-8, big numbers).
#include "http/json_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::http {
namespace {

// The problem finish() reports; fails the test when finish() succeeds.
Error problemOf(StrictJsonReader& r) {
  const Status s = r.finish();
  EXPECT_FALSE(s.has_value()) << "finish() accepted the body";
  return s.has_value() ? Error{} : s.error();
}

void expectProblem(StrictJsonReader& r, std::string_view code, std::string_view field, std::string_view message) {
  const Error e = problemOf(r);
  EXPECT_EQ(e.kind, ErrorKind::kInvalid);
  EXPECT_EQ(e.code, code);
  EXPECT_EQ(e.field, field);
  EXPECT_EQ(e.message, message);
}

// ---- the body as a whole

TEST(StrictJsonReader, MalformedJsonIsMalformedJsonWithTheParsersReasonAndNoField) {
  StrictJsonReader r(R"({"name": "a",})");
  EXPECT_EQ(r.optString("name"), std::nullopt);  // nothing reads from a broken body
  expectProblem(r, "MALFORMED_JSON", "", "the request body is not valid JSON: syntax error");
}

TEST(StrictJsonReader, TruncatedAndTrailingBytesAreMalformed) {
  StrictJsonReader truncated(R"({"name": "a")");
  expectProblem(truncated, "MALFORMED_JSON", "", "the request body is not valid JSON: incomplete JSON");
  StrictJsonReader trailing(R"({"name": "a"} {})");
  expectProblem(trailing, "MALFORMED_JSON", "", "the request body is not valid JSON: extra data");
}

TEST(StrictJsonReader, ABodyThatIsNotAnObjectIsMalformed) {
  for (const char* body : {"[]", "null", "\"text\"", "42", "true"}) {
    SCOPED_TRACE(body);
    StrictJsonReader r(body);
    EXPECT_FALSE(r.has("x"));
    EXPECT_FALSE(r.isNull("x"));
    expectProblem(r, "MALFORMED_JSON", "", "the request body must be a JSON object");
  }
}

TEST(StrictJsonReader, AnEmptyOrBlankBodyIsMissingBodyUnlessAllowed) {
  for (const char* body : {"", " ", " \t\r\n "}) {
    SCOPED_TRACE(testing::PrintToString(body));
    StrictJsonReader refused(body);
    expectProblem(refused, "MISSING_BODY", "", "the request body must be a JSON object");

    StrictJsonReader allowed(body, /*allow_empty=*/true);
    EXPECT_EQ(allowed.optString("name"), std::nullopt);
    EXPECT_FALSE(allowed.has("name"));
    EXPECT_TRUE(allowed.finish().has_value());
  }
}

TEST(StrictJsonReader, AllowEmptyDoesNotExcuseAMissingRequiredField) {
  StrictJsonReader r("", /*allow_empty=*/true);
  EXPECT_EQ(r.reqString("name"), "");
  expectProblem(r, "MISSING_FIELD", "name", "name is required");
}

TEST(StrictJsonReader, AnEmptyObjectWithNothingReadFinishes) {
  StrictJsonReader r("{}");
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, NestingDeeperThanSixteenLevelsIsMalformed) {
  // The body object is level 1: fifteen arrays inside it still parse, sixteen do not.
  const auto nested = [](int arrays) { return "{\"a\":" + std::string(arrays, '[') + std::string(arrays, ']') + "}"; };
  StrictJsonReader ok(nested(15));
  EXPECT_TRUE(ok.has("a"));
  EXPECT_EQ(ok.optObjectText("a"), std::nullopt);  // an array, not an object
  expectProblem(ok, "INVALID_FIELD", "a", "a must be a JSON object");

  StrictJsonReader deep(nested(16));
  expectProblem(deep, "MALFORMED_JSON", "", "the request body is not valid JSON: too deep");
}

TEST(StrictJsonReader, InvalidUtf8AndLoneSurrogatesAreMalformed) {
  StrictJsonReader raw("{\"name\":\"caf\xff\"}");
  expectProblem(raw, "MALFORMED_JSON", "", "the request body is not valid JSON: syntax error");
  StrictJsonReader surrogate(R"({"name":"\ud800"})");
  expectProblem(surrogate, "MALFORMED_JSON", "", "the request body is not valid JSON: syntax error");
}

TEST(StrictJsonReader, EscapesAreDecodedAndUtf8PassesThrough) {
  StrictJsonReader r(R"({"a":"caf\u00e9\n\"q\"\\","b":"\ud83d\ude00","c":"x\u0000y","d":"日本"})");
  EXPECT_EQ(r.optString("a"), "caf\xc3\xa9\n\"q\"\\");
  EXPECT_EQ(r.optString("b"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(r.optString("c"), std::string("x\0y", 3));  // an embedded NUL survives
  EXPECT_EQ(r.optStringView("d"), "日本");
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, DuplicateKeysKeepTheLastValueAndAreNotRefused) {
  // Boost.JSON 1.81 keeps the last value of a repeated key, silently; pinned so that a change
  // (an upgrade that refuses duplicates, or keeps the first) is noticed.
  StrictJsonReader r(R"({"name":"first","n":1,"name":"last"})");
  EXPECT_EQ(r.optString("name"), "last");
  EXPECT_EQ(r.optInt("n", 0, 9), 1);
  EXPECT_TRUE(r.finish().has_value());

  // So the type that counts is the last one's.
  StrictJsonReader typed(R"({"name":"text","name":5})");
  EXPECT_EQ(typed.optString("name"), std::nullopt);
  expectProblem(typed, "INVALID_FIELD", "name", "name must be a string");
}

// ---- typed fields

TEST(StrictJsonReader, AWrongTypeNamesTheFieldAndTheExpectedType) {
  struct Case {
    const char* body;
    void (*read)(StrictJsonReader&);
    const char* message;
  };
  const Case cases[] = {
      {R"({"f":1})", [](StrictJsonReader& r) { r.optString("f"); }, "f must be a string"},
      {R"({"f":null})", [](StrictJsonReader& r) { r.optStringView("f"); }, "f must be a string"},
      {R"({"f":[]})", [](StrictJsonReader& r) { r.reqString("f"); }, "f must be a string"},
      {R"({"f":"1"})", [](StrictJsonReader& r) { r.optInt("f", 0, 9); }, "f must be an integer"},
      {R"({"f":1.5})", [](StrictJsonReader& r) { r.optInt("f", 0, 9); }, "f must be an integer"},
      {R"({"f":true})", [](StrictJsonReader& r) { r.optInt("f", 0, 9); }, "f must be an integer"},
      {R"({"f":"true"})", [](StrictJsonReader& r) { r.optBool("f"); }, "f must be true or false"},
      {R"({"f":0})", [](StrictJsonReader& r) { r.optBool("f"); }, "f must be true or false"},
      {R"({"f":"a"})", [](StrictJsonReader& r) { r.optStringArray("f"); }, "f must be an array of strings"},
      {R"({"f":[1]})", [](StrictJsonReader& r) { r.optObjectText("f"); }, "f must be a JSON object"},
      {R"({"f":"{}"})", [](StrictJsonReader& r) { r.optObjectText("f"); }, "f must be a JSON object"},
      {R"({"f":7})", [](StrictJsonReader& r) { r.optStringOrObjectText("f"); },
       "f must be a string (PEM) or an object (JWK)"},
      {R"({"f":false})", [](StrictJsonReader& r) { r.optNullableString("f"); }, "f must be a string"},
      {R"({"f":"x"})", [](StrictJsonReader& r) { r.optNullableInt("f", 0, 9); }, "f must be an integer"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    StrictJsonReader r(c.body);
    c.read(r);
    expectProblem(r, "INVALID_FIELD", "f", c.message);
  }
}

TEST(StrictJsonReader, AWrongTypeReadsAsAbsent) {
  StrictJsonReader r(R"({"s":1,"i":"x","b":1,"a":{}})");
  EXPECT_EQ(r.optString("s"), std::nullopt);
  EXPECT_EQ(r.optInt("i", 0, 9), std::nullopt);
  EXPECT_EQ(r.optBool("b"), std::nullopt);
  EXPECT_EQ(r.optStringArray("a"), std::nullopt);
  EXPECT_FALSE(r.finish().has_value());
}

TEST(StrictJsonReader, AnArrayWithANonStringNamesTheElement) {
  StrictJsonReader r(R"({"tags":["a","b",3,"d"]})");
  EXPECT_EQ(r.optStringArray("tags"), std::nullopt);
  expectProblem(r, "INVALID_FIELD", "tags[2]", "tags must contain only strings");
}

TEST(StrictJsonReader, TypedFieldsReadTheirValues) {
  StrictJsonReader r(R"({"s":"x","i":-3,"b":false,"tags":["a",""],"empty":[],"o":{"k":[1,"v"], "z":null},)"
                     R"("pem":"-----BEGIN","jwk":{"kty":"OKP"}})");
  EXPECT_EQ(r.optString("s"), "x");
  EXPECT_EQ(r.reqString("s"), "x");  // reading twice is fine
  EXPECT_EQ(r.optInt("i", -5, 5), -3);
  EXPECT_EQ(r.optBool("b"), false);
  EXPECT_EQ(r.optStringArray("tags"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(r.optStringArray("empty"), std::vector<std::string>{});
  EXPECT_EQ(r.optObjectText("o"), R"({"k":[1,"v"],"z":null})");  // compact, members in order
  EXPECT_EQ(r.optStringOrObjectText("pem"), "-----BEGIN");
  EXPECT_EQ(r.optStringOrObjectText("jwk"), R"({"kty":"OKP"})");
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, AbsentOptionalFieldsAreNulloptAndNoProblem) {
  StrictJsonReader r("{}");
  EXPECT_EQ(r.optString("a"), std::nullopt);
  EXPECT_EQ(r.optStringView("a"), std::nullopt);
  EXPECT_EQ(r.optInt("a", 0, 1), std::nullopt);
  EXPECT_EQ(r.optBool("a"), std::nullopt);
  EXPECT_EQ(r.optStringArray("a"), std::nullopt);
  EXPECT_EQ(r.optObjectText("a"), std::nullopt);
  EXPECT_EQ(r.optStringOrObjectText("a"), std::nullopt);
  EXPECT_EQ(r.optNullableString("a"), std::nullopt);
  EXPECT_EQ(r.optNullableInt("a", 0, 1), std::nullopt);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, AMissingRequiredFieldIsMissingField) {
  StrictJsonReader r(R"({"other":"x"})");
  EXPECT_EQ(r.optString("other"), "x");
  EXPECT_EQ(r.reqStringView("name"), "");
  expectProblem(r, "MISSING_FIELD", "name", "name is required");
}

TEST(StrictJsonReader, ARequiredFieldThatIsNullIsAWrongTypeNotMissing) {
  StrictJsonReader r(R"({"name":null})");
  EXPECT_EQ(r.reqString("name"), "");
  expectProblem(r, "INVALID_FIELD", "name", "name must be a string");
}

TEST(StrictJsonReader, AnEmptyStringSatisfiesARequiredField) {
  StrictJsonReader r(R"({"name":""})");
  EXPECT_EQ(r.reqString("name"), "");
  EXPECT_TRUE(r.finish().has_value());
}

// ---- integers

TEST(StrictJsonReader, AnIntegerOutsideItsRangeNamesTheBounds) {
  StrictJsonReader high(R"({"days":366})");
  EXPECT_EQ(high.optInt("days", 1, 365), std::nullopt);
  expectProblem(high, "INVALID_FIELD", "days", "days must be between 1 and 365");

  StrictJsonReader low(R"({"days":-1})");
  EXPECT_EQ(low.optNullableInt("days", 0, 365), std::nullopt);
  expectProblem(low, "INVALID_FIELD", "days", "days must be between 0 and 365");
}

TEST(StrictJsonReader, TheRangeBoundsAreInclusive) {
  StrictJsonReader r(R"({"lo":1,"hi":365})");
  EXPECT_EQ(r.optInt("lo", 1, 365), 1);
  EXPECT_EQ(r.optInt("hi", 1, 365), 365);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, WholeNumbersWrittenAsDecimalsAreIntegers) {
  StrictJsonReader r(R"({"a":1.0,"b":1e3,"c":-2E1})");
  EXPECT_EQ(r.optInt("a", 0, 10000), 1);
  EXPECT_EQ(r.optInt("b", 0, 10000), 1000);
  EXPECT_EQ(r.optInt("c", -100, 0), -20);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, TheInt64ExtremesAreIntegers) {
  StrictJsonReader r(R"({"max":9223372036854775807,"min":-9223372036854775808})");
  EXPECT_EQ(r.optInt("max", INT64_MIN, INT64_MAX), INT64_MAX);
  EXPECT_EQ(r.optInt("min", INT64_MIN, INT64_MAX), INT64_MIN);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, NumbersBeyondInt64AreNotIntegersEvenWithAWideRange) {
  // Beyond int64 Boost.JSON gives a uint64 or a double (infinity past 1e308); none converts.
  for (const char* number :
       {"9223372036854775808", "18446744073709551615", "99999999999999999999", "1e19", "-1e19", "1e400", "-1e400"}) {
    SCOPED_TRACE(number);
    StrictJsonReader r(std::string(R"({"n":)") + number + "}");
    EXPECT_EQ(r.optInt("n", INT64_MIN, INT64_MAX), std::nullopt);
    expectProblem(r, "INVALID_FIELD", "n", "n must be an integer");
  }
}

TEST(StrictJsonReader, AHugeNumberIsStillAnIntegerAsLongAsItFits) {
  // A double up to 9.2e18 converts (no undefined behaviour near the int64 edge).
  StrictJsonReader r(R"({"n":9.2e18})");
  EXPECT_EQ(r.optInt("n", INT64_MIN, INT64_MAX), std::int64_t(9200000000000000000));
  EXPECT_TRUE(r.finish().has_value());
}

// ---- null versus absent

TEST(StrictJsonReader, NullIsPresentAndDistinctFromAbsent) {
  StrictJsonReader r(R"({"n":null,"s":"x"})");
  EXPECT_TRUE(r.has("n"));
  EXPECT_TRUE(r.isNull("n"));
  EXPECT_TRUE(r.has("s"));
  EXPECT_FALSE(r.isNull("s"));
  EXPECT_FALSE(r.has("a"));
  EXPECT_FALSE(r.isNull("a"));
}

TEST(StrictJsonReader, NullableFieldsTellNullFromAbsentFromAValue) {
  StrictJsonReader r(R"({"desc":null,"limit":null,"name":"x","max":7})");
  // null: present, cleared (inner nullopt)
  const auto desc = r.optNullableString("desc");
  ASSERT_TRUE(desc.has_value());
  EXPECT_EQ(*desc, std::nullopt);
  const auto limit = r.optNullableInt("limit", 0, 10);
  ASSERT_TRUE(limit.has_value());
  EXPECT_EQ(*limit, std::nullopt);
  // a value
  EXPECT_EQ(r.optNullableString("name"), std::optional<std::optional<std::string>>("x"));
  EXPECT_EQ(r.optNullableInt("max", 0, 10), std::optional<std::optional<std::int64_t>>(7));
  // absent: not given (outer nullopt)
  EXPECT_EQ(r.optNullableString("other"), std::nullopt);
  // The null fields count as read.
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, NullForANonNullableFieldIsAWrongType) {
  StrictJsonReader r(R"({"n":null})");
  EXPECT_EQ(r.optInt("n", 0, 1), std::nullopt);
  expectProblem(r, "INVALID_FIELD", "n", "n must be an integer");
}

// ---- finish() and unknown fields

TEST(StrictJsonReader, AFieldNobodyReadIsAnUnknownField) {
  StrictJsonReader r(R"({"name":"x","nmae":"y"})");
  EXPECT_EQ(r.optString("name"), "x");
  expectProblem(r, "UNKNOWN_FIELD", "nmae", "unknown field 'nmae'");
}

TEST(StrictJsonReader, TheFirstUnreadFieldInTheBodyIsTheOneReported) {
  StrictJsonReader r(R"({"b":1,"a":2,"c":3})");
  EXPECT_EQ(r.optInt("c", 0, 9), 3);
  expectProblem(r, "UNKNOWN_FIELD", "b", "unknown field 'b'");
}

TEST(StrictJsonReader, LookingWithHasOrIsNullIsNotReading) {
  StrictJsonReader r(R"({"a":null,"b":1})");
  EXPECT_TRUE(r.isNull("a"));
  EXPECT_TRUE(r.has("b"));
  expectProblem(r, "UNKNOWN_FIELD", "a", "unknown field 'a'");
}

TEST(StrictJsonReader, AFieldReadWithTheWrongTypeIsReportedAsWrongNotUnknown) {
  StrictJsonReader r(R"({"x":"extra","n":"1"})");
  r.optInt("n", 0, 9);
  expectProblem(r, "INVALID_FIELD", "n", "n must be an integer");
}

TEST(StrictJsonReader, ReadingAFieldThatIsAbsentDoesNotExcuseAnother) {
  StrictJsonReader r(R"({"x":1})");
  EXPECT_EQ(r.optInt("y", 0, 9), std::nullopt);
  expectProblem(r, "UNKNOWN_FIELD", "x", "unknown field 'x'");
}

TEST(StrictJsonReader, ManyFieldsReadAllCount) {
  // More names than the inline list holds (8): reading still counts for each of them.
  std::string body = "{";
  for (int i = 0; i < 20; ++i) body += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":" + std::to_string(i);
  body += "}";
  StrictJsonReader r(body);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.optInt("f" + std::to_string(i), 0, 100), i);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(StrictJsonReader, FinishCanBeCalledTwiceWithTheSameAnswer) {
  StrictJsonReader r(R"({"z":1})");
  const Error first = problemOf(r);
  const Error second = problemOf(r);
  EXPECT_EQ(first.field, "z");
  EXPECT_EQ(second.field, "z");
  EXPECT_EQ(second.code, "UNKNOWN_FIELD");
}

// ---- the first problem wins

TEST(StrictJsonReader, TheFirstProblemWinsOverLaterOnes) {
  StrictJsonReader r(R"({"a":1,"b":"x","unknown":true})");
  r.optString("a");        // problem 1: wrong type
  r.optInt("b", 0, 9);     // problem 2: wrong type
  r.reqString("missing");  // problem 3: missing
  expectProblem(r, "INVALID_FIELD", "a", "a must be a string");
}

TEST(StrictJsonReader, AfterAProblemEvenValidFieldsReadAsDefaults) {
  // Nothing after the first problem is trusted: the handler will fail at finish() anyway.
  StrictJsonReader r(R"({"a":1,"s":"ok","n":3})");
  r.optString("a");
  EXPECT_EQ(r.optString("s"), std::nullopt);
  EXPECT_EQ(r.optInt("n", 0, 9), std::nullopt);
  EXPECT_EQ(r.reqString("s"), "");
  expectProblem(r, "INVALID_FIELD", "a", "a must be a string");
}

TEST(StrictJsonReader, AMissingBodyWinsOverEverythingRead) {
  StrictJsonReader r("");
  r.reqString("name");
  expectProblem(r, "MISSING_BODY", "", "the request body must be a JSON object");
}

// ---- views

TEST(StrictJsonReader, ViewsOutliveTheBodyTheyWereParsedFrom) {
  // The document is the reader's own copy: the caller's buffer may go away.
  std::string body = R"({"key":"kw_abc","tenant":"t1"})";
  StrictJsonReader r(body);
  const std::string_view key = r.reqStringView("key");
  const auto tenant = r.optStringView("tenant");
  body.assign(body.size(), 'x');
  body.clear();
  body.shrink_to_fit();
  EXPECT_EQ(key, "kw_abc");
  ASSERT_TRUE(tenant.has_value());
  EXPECT_EQ(*tenant, "t1");
}

TEST(StrictJsonReader, ViewsStayValidAcrossLaterReadsOfALargeBody) {
  // Larger than the inline arena, so the document spills to heap blocks.
  const std::string big(5000, 'b');
  std::string body = R"({"first":"one","big":")" + big + R"(","obj":{"k":"v"},"tags":["t"],"last":"end"})";
  StrictJsonReader r(body);
  const auto first = r.optStringView("first");
  const auto big_view = r.optStringView("big");
  EXPECT_EQ(r.optObjectText("obj"), R"({"k":"v"})");
  EXPECT_EQ(r.optStringArray("tags"), std::vector<std::string>{"t"});
  const auto last = r.optStringView("last");
  ASSERT_TRUE(first && big_view && last);
  EXPECT_EQ(*first, "one");
  EXPECT_EQ(*big_view, big);
  EXPECT_EQ(*last, "end");
  EXPECT_TRUE(r.finish().has_value());
}

}  // namespace
}  // namespace keyward::http
