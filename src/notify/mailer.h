// mailer.h — sending one e-mail: the interface the alert scheduler uses, and the SMTP
// implementation (libcurl; kept out of this header).
// Thread safety: SmtpMailer::send is safe from any thread (one curl handle per call).
// Ownership: values only; the mailer owns its options (the password among them).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"

namespace keyward::notify {

struct Email {
  std::string to;  // one address
  std::string subject;
  std::string body;  // plain text, UTF-8
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Hands the message to the relay. An error says why (never the password).
  virtual Status send(const Email& mail) = 0;
};

enum class StartTls { kNone, kTry, kRequired };

struct SmtpOptions {
  std::string url;  // smtp://host:port (plain or STARTTLS) or smtps://host:port (TLS)
  StartTls starttls = StartTls::kTry;
  std::string user;      // empty: no authentication
  std::string password;  // read from smtp_password_file; never logged
  std::string from;      // the envelope and header sender
  std::chrono::seconds timeout{30};
};

std::unique_ptr<Mailer> makeSmtpMailer(SmtpOptions options);

// The RFC 5322 message as sent (headers + CRLF body), exposed for tests.
std::string formatMessage(const std::string& from, const Email& mail, const std::string& message_id,
                          const std::string& date);

}  // namespace keyward::notify
