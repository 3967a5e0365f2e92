// HTTP/1.1 behaviour of the real server on a socket: body limits, Expect: 100-continue,
// keep-alive and pipelining, problem+json errors, and optional TLS.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "integration/api.h"
#include "integration/raw_connection.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;

std::string postRequest(const std::string& target, const std::string& token, const std::string& body,
                        const std::string& extra_headers = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

// A group-creation body of at least `size` bytes (the padding sits in an unknown field, so
// the body is refused with 400 if it gets past the size limit at all).
std::string paddedGroupBody(const std::string& name, size_t size) {
  std::string body = R"({"name":")" + name + R"(","padding":")";
  body += std::string(size > body.size() + 2 ? size - body.size() - 2 : 0, 'x');
  body += "\"}";
  return body;
}

void expectProblem(const std::string& body, int status, const std::string& code) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  ASSERT_FALSE(ec) << body;
  ASSERT_TRUE(v.is_object()) << body;
  EXPECT_EQ(v.at("status"), status) << body;
  EXPECT_EQ(v.at("code"), json::value(code)) << body;
}

class Http : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start());
    token_ = server_.bootstrapToken();
    groups_ = "/v1/tenants/system/key-groups";
  }
  bool groupExists(const std::string& name) {
    const Reply r = server_.admin("GET", groups_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.find("\"" + name + "\"") != std::string::npos;
  }

  ServerProcess server_{backend()};
  std::string token_;
  std::string groups_;
};
KEYWARD_ON_EVERY_BACKEND(Http);

TEST_P(Http, ABodyOverSixtyFourKibIsRefusedWith413AndTheConnectionIsClosed) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send(postRequest(groups_, token_, paddedGroupBody("too-big", 64 * 1024 + 1))));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(r->header("content-type"), "application/problem+json");
  expectProblem(r->body, 413, "BODY_TOO_LARGE");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
  EXPECT_FALSE(groupExists("too-big"));
}

TEST_P(Http, ABodyJustUnderTheLimitIsReadAndJudgedOnItsContent) {
  // 60 KiB gets through the size check and is refused for its unknown field, not its size.
  const Reply r = server_.admin("POST", groups_, paddedGroupBody("nearly-too-big", 60 * 1024));
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  EXPECT_EQ(r.str("field"), "padding") << r.body.substr(0, 300);
  EXPECT_FALSE(groupExists("nearly-too-big"));
}

class HttpBodyLimit : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(HttpBodyLimit);

TEST_P(HttpBodyLimit, ACustomBodyLimitIsHonoured) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start({"--body-limit", "2048"}));
  const std::string groups = "/v1/tenants/system/key-groups";
  const Reply small = server.admin("POST", groups,
                                   toJson({{"name", "small"}, {"description", std::string(1000, 'd')}}));
  EXPECT_EQ(small.status, 201) << small.body;
  const Reply big = server.admin("POST", groups, paddedGroupBody("big", 3000));
  EXPECT_EQ(big.status, 413) << big.body;
  expectProblem(big.body, 413, "BODY_TOO_LARGE");
  EXPECT_NE(big.body.find("2048"), std::string::npos) << big.body;
  EXPECT_EQ(server.admin("GET", groups).body.find("\"big\""), std::string::npos);
}

TEST_P(Http, ExpectContinueGetsAnInterimResponseAndThenTheRealOne) {
  const std::string body = R"({"name":"continued"})";
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("POST " + groups_ + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
                        "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = conn.read();
  ASSERT_TRUE(interim) << conn.error().message();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(conn.send(body));
  auto final_response = conn.read();
  ASSERT_TRUE(final_response) << conn.error().message();
  EXPECT_EQ(final_response->status, 201) << final_response->body;
  EXPECT_TRUE(groupExists("continued"));
}

TEST_P(Http, ExpectContinueWithATooLargeBodyIsRefusedBeforeTheBodyIsSent) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.send("POST " + groups_ + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
                "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 413) << r->body;
  expectProblem(r->body, 413, "BODY_TOO_LARGE");
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
}

TEST_P(Http, SequentialRequestsShareOneKeepAliveConnection) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  for (const std::string name : {"first", "second", "third"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(conn.send(postRequest(groups_, token_, toJson({{"name", name}}))));
    auto r = conn.read();
    ASSERT_TRUE(r) << conn.error().message();
    EXPECT_EQ(r->status, 201) << r->body;
    EXPECT_TRUE(r->keep_alive);
  }
  EXPECT_TRUE(groupExists("third"));
}

TEST_P(Http, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn
                  .send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                        "GET /v1/nothing-here HTTP/1.1\r\nHost: t\r\n\r\n"
                        "GET /v1/version HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto first = conn.read();
  ASSERT_TRUE(first) << conn.error().message();
  EXPECT_EQ(first->status, 200);
  auto second = conn.read();
  ASSERT_TRUE(second) << conn.error().message();
  EXPECT_EQ(second->status, 404);
  EXPECT_EQ(second->header("content-type"), "application/problem+json");
  auto third = conn.read();
  ASSERT_TRUE(third) << conn.error().message();
  EXPECT_EQ(third->status, 200);
  EXPECT_NE(third->body.find("keyward"), std::string::npos);
  EXPECT_FALSE(third->keep_alive);
  EXPECT_TRUE(conn.closedByServer());
}

TEST_P(Http, MalformedHttpGets400AndTheConnectionIsClosed) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(conn.closedByServer());
}

TEST_P(Http, EveryResponseForbidsCaching) {
  EXPECT_EQ(server_.call("GET", "/healthz").header("cache-control"), "no-store");
  EXPECT_EQ(server_.call("GET", "/v1/tenants").header("cache-control"), "no-store");  // 401
  const Reply created = server_.admin("POST", "/v1/tenants/system/keys", R"({"name":"cached?"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.header("cache-control"), "no-store");
}

TEST_P(Http, HeadersOverTheLimitAreRefusedWith431AndTheConnectionIsClosed) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Filler: " + std::string(20 * 1024, 'f') + "\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 431);
  expectProblem(r->body, 431, "HEADERS_TOO_LARGE");
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
}

TEST_P(Http, AChunkedRequestBodyIsReadWhole) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("POST " + groups_ + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
                        "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "9\r\n{\"name\":\"\r\n9\r\nin-chunks\r\n2\r\n\"}\r\n0\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_TRUE(groupExists("in-chunks"));
}

TEST_P(Http, TheAuditExportStreamsAsChunksOnAKeptAliveConnection) {
  ASSERT_EQ(server_.admin("POST", groups_, toJson({{"name", "exported"}})).status, 201);
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /v1/tenants/system/audit/export HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
                        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  EXPECT_NE(r->body.find("\"exported\""), std::string::npos) << r->body.substr(0, 500);
  auto next = conn.read();  // the connection is still usable after the last chunk
  ASSERT_TRUE(next) << conn.error().message();
  EXPECT_EQ(next->status, 200);
}

TEST_P(Http, HeadGetsTheHeaderFieldsOfGetAndNoBodyOnAKeptAliveConnection) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  // A body after a HEAD response would be read as the start of the next response.
  ASSERT_TRUE(conn
                  .send("HEAD /v1/version HTTP/1.1\r\nHost: t\r\n\r\n"
                        "HEAD /v1/nothing-here HTTP/1.1\r\nHost: t\r\n\r\n"
                        "GET /v1/version HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = conn.read(true);
  ASSERT_TRUE(head) << conn.error().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  auto missing = conn.read(true);
  ASSERT_TRUE(missing) << conn.error().message();
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("content-type"), "application/problem+json");
  EXPECT_TRUE(missing->body.empty());
  auto get = conn.read();
  ASSERT_TRUE(get) << conn.error().message();
  EXPECT_EQ(get->status, 200);
  EXPECT_NE(get->body.find("keyward"), std::string::npos) << get->body;
  // The same header fields as GET, Content-Length included.
  EXPECT_EQ(head->header("content-length"), std::to_string(get->body.size()));
  EXPECT_EQ(head->header("content-type"), get->header("content-type"));
}

TEST_P(Http, HeadOfTheAuditExportSendsNoChunks) {
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("HEAD /v1/tenants/system/audit/export HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
                        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = conn.read(true);
  ASSERT_TRUE(head) << conn.error().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("transfer-encoding"), "chunked");
  auto next = conn.read();
  ASSERT_TRUE(next) << conn.error().message();
  EXPECT_EQ(next->status, 200);
  EXPECT_NE(next->body.find("ok"), std::string::npos) << next->body;
}

// Counts the lines of `text` that contain `what`.
int countLines(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class HttpDescriptors : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(HttpDescriptors);

TEST_P(HttpDescriptors, OutOfFileDescriptorsTheServerWarnsOncePausesAndRecovers) {
  // The server inherits a low open-file limit: it runs out of descriptors after a few
  // connections and must neither spin on accept nor stop accepting for good.
  ServerProcess server(backend());
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 48;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  const auto started = server.start({"--threads", "1"});
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(started);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 60; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port(), std::chrono::seconds(5)));
    ASSERT_TRUE(held.back()->connected());  // the kernel completes the handshake regardless
  }
  // Somewhere past the limit, accepting fails; the server says so once, not per attempt.
  for (int i = 0; i < 50 && countLines(server.stdoutText() + server.stderrText(), "cannot accept") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // several pauses
  const std::string during = server.stdoutText() + server.stderrText();
  EXPECT_EQ(countLines(during, "cannot accept connections"), 1) << during;
  EXPECT_NE(during.find("ulimit -n"), std::string::npos);
  // The connections it did accept are served meanwhile.
  ASSERT_TRUE(held.front()->send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto served = held.front()->read();
  ASSERT_TRUE(served) << held.front()->error().message();
  EXPECT_EQ(served->status, 200);
  // Once clients leave, the queued ones and new ones are accepted again.
  held.resize(1);
  RawConnection late(server.port(), std::chrono::seconds(10));
  ASSERT_TRUE(late.connected());
  ASSERT_TRUE(late.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto answered = late.read();
  ASSERT_TRUE(answered) << late.error().message();
  EXPECT_EQ(answered->status, 200);
  const std::string after = server.stdoutText() + server.stderrText();
  EXPECT_NE(after.find("accepting connections again"), std::string::npos) << after;
  EXPECT_EQ(server.stop(), 0);
}

class HttpTimeouts : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(HttpTimeouts);

TEST_P(HttpTimeouts, AClientThatStopsMidHeadersIsDisconnectedAfterTheHeaderTimeout) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start({"--header-timeout", "1"}));
  RawConnection conn(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: t\r\n"));  // no blank line: never finished
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  // Other clients are unaffected.
  EXPECT_EQ(server.call("GET", "/healthz").status, 200);
}

TEST_P(HttpTimeouts, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start({"--idle-timeout", "1"}));
  RawConnection conn(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r) << conn.error().message();
  EXPECT_TRUE(r->keep_alive);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}

class HttpShutdown : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(HttpShutdown);

TEST_P(HttpShutdown, AStopClosesIdleConnectionsAndExitsPromptly) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  RawConnection idle(server.port(), std::chrono::seconds(10));
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(), 0) << server.stderrText();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(idle.closedByServer()) << idle.error().message();
}

class HttpTls : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(HttpTls);

TEST_P(HttpTls, TheServerSpeaksHttpsWithTheConfiguredCertificate) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl command not found; scripts/install-deps.sh installs it";
  }
  ServerProcess server(backend());
  const auto cert = server.dir() / "c.pem";
  const auto key = server.dir() / "k.pem";
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 -keyout '" +
      key.string() + "' -out '" + cert.string() + "' > '" + (server.dir() / "openssl.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << readFileBytes(server.dir() / "openssl.log");

  ASSERT_TRUE(server.start({"--tls-cert-file", cert.string(), "--tls-key-file", key.string()}));
  EXPECT_TRUE(server.tls()) << "the log line does not say https:\n" << server.stderrText();
  EXPECT_NE(server.stderrText().find("listening on https://127.0.0.1:"), std::string::npos);
  server.setCaFile(cert.string());

  const Reply ready = server.call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  const std::string tenant = createTenant(server, "tls-tenant");
  const CreatedKey k = createKey(server, tenant, {{"name", "over-tls"}});
  EXPECT_EQ(verifyCode(verifyKey(server, k.secret, server.bootstrapToken())), "VALID");

  // Plain HTTP on the TLS port gets no HTTP answer.
  RawConnection plain(server.port(), std::chrono::seconds(10));
  ASSERT_TRUE(plain.connected());
  ASSERT_TRUE(plain.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = plain.read();
  EXPECT_FALSE(r && r->status == 200);

  EXPECT_EQ(server.stop(), 0) << server.stderrText();
}

}  // namespace
}  // namespace keyward::testing
