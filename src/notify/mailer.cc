#include "notify/mailer.h"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "crypto/random.h"

namespace keyward::notify {
namespace {

// curl_global_init is not thread-safe; run it once before the first handle.
void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string rfc5322Date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// Header values must not carry line breaks (header injection through a key name).
std::string oneLine(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

// SMTP lines end in CRLF; a line that starts with '.' is doubled by curl itself.
std::string crlf(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

struct Upload {
  const std::string& data;
  size_t pos = 0;
};

size_t readChunk(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t room = size * n;
  const size_t left = up->data.size() - up->pos;
  const size_t take = left < room ? left : room;
  std::memcpy(buf, up->data.data() + up->pos, take);
  up->pos += take;
  return take;
}

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpOptions o) : o_(std::move(o)) { globalInit(); }

  Status send(const Email& mail) override {
    auto id = crypto::newId("msg");
    if (!id) return std::unexpected(id.error());
    const std::string message = formatMessage(o_.from, mail, *id, rfc5322Date());
    CURL* curl = curl_easy_init();
    if (!curl) return internalError("cannot create a curl handle");
    const std::string from = "<" + o_.from + ">";
    const std::string to = "<" + mail.to + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
    Upload up{message};
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, readChunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, long(o_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    if (o_.starttls == StartTls::kTry) curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_TRY));
    if (o_.starttls == StartTls::kRequired) curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_ALL));
    if (!o_.user.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, o_.user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, o_.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    long reply = 0;  // the server's last reply code: curl writes no text for a refusal after the content
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      // curl's message names the step (connect, STARTTLS, AUTH, RCPT); it never echoes the password.
      std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      if (reply >= 400 && why.find(std::to_string(reply)) == std::string::npos) {
        why += " (server replied " + std::to_string(reply) + ")";
      }
      return fail(ErrorKind::kUnavailable, "SMTP_FAILED", "SMTP: " + why);
    }
    return {};
  }

 private:
  SmtpOptions o_;
};

}  // namespace

std::string formatMessage(const std::string& from, const Email& mail, const std::string& message_id,
                          const std::string& date) {
  std::string domain = from.substr(from.find('@') == std::string::npos ? from.size() : from.find('@') + 1);
  if (domain.empty()) domain = "keyward.invalid";
  std::string m;
  m += "Date: " + date + "\r\n";
  m += "From: " + oneLine(from) + "\r\n";
  m += "To: " + oneLine(mail.to) + "\r\n";
  m += "Message-ID: <" + message_id + "@" + oneLine(domain) + ">\r\n";
  m += "Subject: " + oneLine(mail.subject) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "\r\n";
  m += crlf(mail.body);
  if (!m.ends_with("\r\n")) m += "\r\n";
  return m;
}

std::unique_ptr<Mailer> makeSmtpMailer(SmtpOptions options) { return std::make_unique<SmtpMailer>(std::move(options)); }

}  // namespace keyward::notify
