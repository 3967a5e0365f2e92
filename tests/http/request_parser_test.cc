// The HTTP/1.1 request parser the server feeds with the bytes it receives: requests as the
// router sees them, however the bytes are split, and the limits and errors a client meets.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::http {
namespace {

constexpr std::size_t kHeaderLimit = 1024;
constexpr std::size_t kBodyLimit = 64;

// Feeds all of `bytes`, `step` bytes at a time, as reads from a socket would deliver them.
RequestParser::State feedAll(RequestParser& p, std::string_view bytes, std::size_t step = 1 << 20) {
  std::size_t at = 0;
  while (at < bytes.size() && p.state() == RequestParser::State::kNeedMore) {
    const std::size_t n = std::min(step, bytes.size() - at);
    const std::size_t used = p.feed(bytes.data() + at, n);
    at += used;
    if (used < n) break;
  }
  return p.state();
}

const std::string kVerify =
    "POST /v1/keys/verify?trace=1 HTTP/1.1\r\nHost: kw\r\nContent-Type: application/json\r\n"
    "X-API-Key: kw_abc\r\nContent-Length: 11\r\n\r\n{\"key\":\"x\"}";

TEST(RequestParser, AWholeRequestBecomesMethodPathQueryLowerCaseHeadersAndBody) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, kVerify), RequestParser::State::kComplete);
  EXPECT_TRUE(p.keepAlive());
  const Request r = p.take();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/keys/verify");
  EXPECT_EQ(r.query, "trace=1");
  EXPECT_EQ(r.header("x-api-key"), "kw_abc");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{\"key\":\"x\"}");
}

TEST(RequestParser, AnEmptyHeaderValueDoesNotRunIntoTheNextHeader) {
  for (std::size_t step : {std::size_t(1), std::size_t(1) << 20}) {
    RequestParser p(kHeaderLimit, kBodyLimit);
    ASSERT_EQ(feedAll(p, "GET / HTTP/1.1\r\nX-Empty:\r\nX-Blank:   \r\nHost: a\r\n\r\n", step),
              RequestParser::State::kComplete);
    const Request r = p.take();
    ASSERT_EQ(r.headers.size(), 3u) << "step " << step;
    EXPECT_EQ(r.headers[0].name, "x-empty");
    EXPECT_EQ(r.headers[0].value, "");
    EXPECT_EQ(r.headers[1].name, "x-blank");
    EXPECT_EQ(r.header("host"), "a");
  }
}

TEST(RequestParser, ARequestArrivingOneByteAtATimeParsesTheSame) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, kVerify, 1), RequestParser::State::kComplete);
  const Request r = p.take();
  EXPECT_EQ(r.path, "/v1/keys/verify");
  EXPECT_EQ(r.header("x-api-key"), "kw_abc");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{\"key\":\"x\"}");
}

TEST(RequestParser, PipelinedRequestsComeOutOneAtATimeInOrder) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  const std::string bytes = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" + kVerify +
                            "GET /v1/version HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  std::size_t at = p.feed(bytes.data(), bytes.size());
  ASSERT_EQ(p.state(), RequestParser::State::kComplete);
  EXPECT_EQ(p.take().path, "/healthz");
  at += p.feed(bytes.data() + at, bytes.size() - at);
  ASSERT_EQ(p.state(), RequestParser::State::kComplete);
  EXPECT_EQ(p.take().body, "{\"key\":\"x\"}");
  at += p.feed(bytes.data() + at, bytes.size() - at);
  ASSERT_EQ(p.state(), RequestParser::State::kComplete);
  EXPECT_FALSE(p.keepAlive());
  EXPECT_EQ(p.take().path, "/v1/version");
  EXPECT_EQ(at, bytes.size());
}

TEST(RequestParser, ARecycledRequestLeavesNothingOfItselfInTheNextOnes) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  const std::string long_value(40, 'v');  // past std::string's inline capacity
  const std::string first = "POST /first?q=1 HTTP/1.1\r\nX-Long: " + long_value + "\r\nX-Other: " + long_value +
                            "\r\nContent-Length: 5\r\n\r\nhello";
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(feedAll(p, first), RequestParser::State::kComplete);
    Request a = p.take();
    EXPECT_EQ(a.header("x-long"), long_value);
    EXPECT_EQ(a.body, "hello");
    p.recycle(std::move(a));
    ASSERT_EQ(feedAll(p, "GET /second HTTP/1.1\r\nHost: kw\r\n\r\n"), RequestParser::State::kComplete);
    Request b = p.take();
    EXPECT_EQ(b.method, "GET");
    EXPECT_EQ(b.path, "/second");
    EXPECT_EQ(b.query, "");
    EXPECT_EQ(b.body, "");
    ASSERT_EQ(b.headers.size(), 1u);
    EXPECT_EQ(b.headers[0].name, "host");
    EXPECT_EQ(b.headers[0].value, "kw");
    p.recycle(std::move(b));
  }
}

TEST(RequestParser, AChunkedBodyIsJoined) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p,
                    "POST /v1/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\n{\"a\"\r\n4\r\n:1}\n\r\n0\r\n\r\n",
                    3),
            RequestParser::State::kComplete);
  EXPECT_EQ(p.take().body, "{\"a\":1}\n");
}

TEST(RequestParser, HttpOneZeroAndConnectionCloseEndTheConnection) {
  RequestParser a(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(a, "GET / HTTP/1.0\r\n\r\n"), RequestParser::State::kComplete);
  EXPECT_FALSE(a.keepAlive());
  RequestParser b(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(b, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), RequestParser::State::kComplete);
  EXPECT_FALSE(b.keepAlive());
}

TEST(RequestParser, ADeclaredBodyOverTheLimitIsRefusedWith413BeforeItArrives) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, "POST /v1/x HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), RequestParser::State::kFailed);
  EXPECT_EQ(p.failure().status, 413);
  EXPECT_EQ(p.failure().code, "BODY_TOO_LARGE");
  EXPECT_NE(p.failure().detail.find("64 bytes"), std::string::npos);
}

TEST(RequestParser, AChunkedBodyGrowingOverTheLimitIsRefusedWith413) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  const std::string chunk(40, 'x');
  ASSERT_EQ(feedAll(p, "POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n" + chunk + "\r\n28\r\n" +
                           chunk + "\r\n0\r\n\r\n"),
            RequestParser::State::kFailed);
  EXPECT_EQ(p.failure().status, 413);
}

TEST(RequestParser, HeadersOverTheLimitAreRefusedWith431EvenWhenTheyNeverEnd) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  std::string bytes = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) bytes += "X-Filler-" + std::to_string(i) + ": " + std::string(20, 'v') + "\r\n";
  ASSERT_EQ(feedAll(p, bytes, 100), RequestParser::State::kFailed);  // no blank line: never complete
  EXPECT_EQ(p.failure().status, 431);
  EXPECT_EQ(p.failure().code, "HEADERS_TOO_LARGE");
}

TEST(RequestParser, GarbageIsRefusedWith400) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, "THIS IS NOT HTTP\r\n\r\n"), RequestParser::State::kFailed);
  EXPECT_EQ(p.failure().status, 400);
  EXPECT_EQ(p.failure().code, "BAD_REQUEST");
}

TEST(RequestParser, ContentLengthWithChunkedIsRefusedAsASmugglingAttempt) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p,
                    "POST /v1/x HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n"),
            RequestParser::State::kFailed);
  EXPECT_EQ(p.failure().status, 400);
}

TEST(RequestParser, ExpectContinueIsReportedWhileTheBodyIsStillToCome) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, "POST /v1/x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"),
            RequestParser::State::kNeedMore);
  EXPECT_TRUE(p.headersComplete());
  EXPECT_TRUE(p.expectsContinue());
  ASSERT_EQ(feedAll(p, "{}"), RequestParser::State::kComplete);
  EXPECT_FALSE(p.expectsContinue());
  EXPECT_EQ(p.take().body, "{}");
}

TEST(RequestParser, NothingReceivedMeansNoRequestHasStarted) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  EXPECT_FALSE(p.started());
  feedAll(p, "GE");
  EXPECT_TRUE(p.started());
  EXPECT_FALSE(p.headersComplete());
}

TEST(RequestParser, AnUpgradeRequestIsAnsweredThenTheConnectionEnds) {
  RequestParser p(kHeaderLimit, kBodyLimit);
  ASSERT_EQ(feedAll(p, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
            RequestParser::State::kComplete);
  EXPECT_FALSE(p.keepAlive());
  EXPECT_EQ(p.take().path, "/ws");
}

}  // namespace
}  // namespace keyward::http
