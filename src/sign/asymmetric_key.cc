#include "sign/asymmetric_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "crypto/digest.h"

namespace keyward::sign {
namespace {

constexpr size_t kCoordinateSize = 32;  // P-256 field element and Ed25519 public key
constexpr size_t kMaxPemSize = 16 * 1024;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

auto invalidKey(std::string message) {
  return fail(ErrorKind::kInvalid, "INVALID_PUBLIC_KEY", std::move(message), "public_key");
}

auto opensslFailure(std::string_view what) { return internalError("OpenSSL failed to " + std::string(what)); }

// Never prompt on a terminal for a passphrase: an encrypted key is simply refused.
int noPassphrase(char*, int, int, void*) { return -1; }

BioPtr readBio(std::string_view text) { return BioPtr(BIO_new_mem_buf(text.data(), int(text.size()))); }

std::string drainBio(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, size_t(n));
}

bool isP256(EVP_PKEY* pkey) {
  std::array<char, 64> group{};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1) {
    return false;
  }
  const std::string_view name(group.data(), len);
  return name == "prime256v1" || name == "P-256";
}

Result<Bytes> bnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return opensslFailure("read an EC coordinate");
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  Bytes out(kCoordinateSize);
  if (BN_bn2binpad(bn.get(), out.data(), int(out.size())) != int(out.size())) {
    return opensslFailure("encode an EC coordinate");
  }
  return out;
}

Result<Bytes> coordinate(const boost::json::object& jwk, std::string_view name) {
  const auto* v = jwk.if_contains(name);
  if (!v || !v->is_string()) return invalidKey("the JWK must have a string member \"" + std::string(name) + "\"");
  auto bytes = base64UrlDecode(std::string_view(v->get_string()));
  if (!bytes || bytes->size() != kCoordinateSize) {
    return invalidKey("the JWK member \"" + std::string(name) + "\" must be 32 bytes of base64url");
  }
  return bytes;
}

std::optional<std::string_view> stringMember(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

Status checkPublicJwkMembers(const boost::json::object& jwk, KeyAlgorithm alg) {
  // Private members of every JWK type (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
  for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.contains(m)) {
      return invalidKey("the JWK contains the private member \"" + std::string(m) +
                        "\"; supply the public key only (the private key must stay with the client)");
    }
  }
  if (const auto* a = jwk.if_contains("alg")) {
    if (!a->is_string() || std::string_view(a->get_string()) != joseAlgorithmName(alg)) {
      return invalidKey("the JWK's \"alg\" must be \"" + std::string(joseAlgorithmName(alg)) + "\" for this key type");
    }
  }
  if (const auto* u = jwk.if_contains("use")) {
    if (!u->is_string() || std::string_view(u->get_string()) != "sig") {
      return invalidKey("the JWK's \"use\" must be \"sig\"");
    }
  }
  return {};
}

Result<PkeyPtr> ed25519FromJwk(const boost::json::object& jwk) {
  auto x = coordinate(jwk, "x");
  if (!x) return std::unexpected(x.error());
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, x->data(), x->size()));
  if (!pkey) return invalidKey("the JWK's \"x\" is not an Ed25519 public key");
  return pkey;
}

Result<PkeyPtr> p256FromJwk(const boost::json::object& jwk) {
  auto x = coordinate(jwk, "x");
  if (!x) return std::unexpected(x.error());
  auto y = coordinate(jwk, "y");
  if (!y) return std::unexpected(y.error());
  Bytes point{0x04};  // SEC 1 uncompressed point
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return opensslFailure("build EC parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return opensslFailure("import an EC key");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return invalidKey("the JWK's \"x\" and \"y\" are not a point on P-256");
  }
  PkeyPtr pkey(raw);
  // fromdata decodes the point; the explicit check also rejects the point at infinity and
  // points outside the prime-order subgroup.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return invalidKey("the JWK's \"x\" and \"y\" are not a valid P-256 public key");
  }
  return pkey;
}

Result<Bytes> derToRaw(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig) return opensslFailure("decode an ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(kSignatureSize);
  if (BN_bn2binpad(r, out.data(), int(kCoordinateSize)) != int(kCoordinateSize) ||
      BN_bn2binpad(s, out.data() + kCoordinateSize, int(kCoordinateSize)) != int(kCoordinateSize)) {
    return opensslFailure("encode an ECDSA signature");
  }
  return out;
}

std::optional<Bytes> rawToDer(std::span<const std::uint8_t> raw) {
  if (raw.size() != kSignatureSize) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), int(kCoordinateSize), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + kCoordinateSize, int(kCoordinateSize), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  Bytes der(static_cast<size_t>(len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

const char* digestName(KeyAlgorithm alg) {
  // Ed25519 is "pure": it hashes internally and takes no digest.
  return alg == KeyAlgorithm::kEd25519 ? nullptr : "SHA256";
}

}  // namespace

AsymmetricKey::AsymmetricKey(AsymmetricKey&& other) noexcept
    : pkey_(std::exchange(other.pkey_, nullptr)),
      alg_(other.alg_),
      has_private_(std::exchange(other.has_private_, false)) {}

AsymmetricKey& AsymmetricKey::operator=(AsymmetricKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
    alg_ = other.alg_;
    has_private_ = std::exchange(other.has_private_, false);
  }
  return *this;
}

AsymmetricKey::~AsymmetricKey() { EVP_PKEY_free(pkey_); }

Result<AsymmetricKey> AsymmetricKey::adopt(EVP_PKEY* raw, bool has_private) {
  PkeyPtr pkey(raw);
  if (!pkey) return invalidKey("not a key");
  if (EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    return AsymmetricKey(pkey.release(), KeyAlgorithm::kEd25519, has_private);
  }
  if (EVP_PKEY_is_a(pkey.get(), "EC") && isP256(pkey.get())) {
    return AsymmetricKey(pkey.release(), KeyAlgorithm::kEcdsaP256Sha256, has_private);
  }
  return invalidKey("only Ed25519 and EC P-256 keys are supported");
}

Result<AsymmetricKey> AsymmetricKey::generate(KeyAlgorithm alg) {
  EVP_PKEY* pkey = alg == KeyAlgorithm::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!pkey) return opensslFailure("generate a key pair");
  return adopt(pkey, true);
}

Result<AsymmetricKey> AsymmetricKey::fromPublicPem(std::string_view pem) {
  if (pem.size() > kMaxPemSize) return invalidKey("the PEM is too long");
  auto bio = readBio(pem);
  if (!bio) return opensslFailure("allocate a buffer");
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr);
  if (!pkey) return invalidKey("not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  return adopt(pkey, false);
}

Result<AsymmetricKey> AsymmetricKey::fromPublicJwk(const boost::json::object& jwk) {
  const auto kty = stringMember(jwk, "kty");
  const auto crv = stringMember(jwk, "crv");
  Result<PkeyPtr> pkey =
      invalidKey("the JWK must be {\"kty\":\"OKP\",\"crv\":\"Ed25519\"} or {\"kty\":\"EC\",\"crv\":\"P-256\"}");
  KeyAlgorithm alg = KeyAlgorithm::kEd25519;
  if (kty == "OKP" && crv == "Ed25519") {
    if (auto st = checkPublicJwkMembers(jwk, alg); !st) return std::unexpected(st.error());
    pkey = ed25519FromJwk(jwk);
  } else if (kty == "EC" && crv == "P-256") {
    alg = KeyAlgorithm::kEcdsaP256Sha256;
    if (auto st = checkPublicJwkMembers(jwk, alg); !st) return std::unexpected(st.error());
    pkey = p256FromJwk(jwk);
  }
  if (!pkey) return std::unexpected(pkey.error());
  return adopt(pkey->release(), false);
}

Result<AsymmetricKey> AsymmetricKey::fromPublicJwk(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return invalidKey("the JWK is not a JSON object");
  return fromPublicJwk(v.get_object());
}

Result<AsymmetricKey> AsymmetricKey::fromPrivatePem(std::string_view pem) {
  if (pem.size() > kMaxPemSize) return invalidKey("the PEM is too long");
  auto bio = readBio(pem);
  if (!bio) return opensslFailure("allocate a buffer");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr);
  if (!pkey) return invalidKey("not an unencrypted PEM private key");
  return adopt(pkey, true);
}

Result<AsymmetricKey> AsymmetricKey::fromPrivateDer(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free> p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, long(der.size())));
  if (!p8 || p != der.data() + der.size()) return invalidKey("not a DER PKCS#8 private key");
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8.get());
  if (!pkey) return invalidKey("not a DER PKCS#8 private key");
  return adopt(pkey, true);
}

Result<std::string> AsymmetricKey::publicPem() const {
  if (!pkey_) return internalError("empty key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_) != 1) return opensslFailure("write a public key");
  return drainBio(bio.get());
}

Result<boost::json::object> AsymmetricKey::publicJwk(std::string_view kid) const {
  if (!pkey_) return internalError("empty key");
  boost::json::object jwk;
  if (alg_ == KeyAlgorithm::kEd25519) {
    Bytes x(kCoordinateSize);
    size_t len = x.size();
    if (EVP_PKEY_get_raw_public_key(pkey_, x.data(), &len) != 1 || len != x.size()) {
      return opensslFailure("read an Ed25519 public key");
    }
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = base64UrlEncode(x);
  } else {
    auto x = bnParam(pkey_, OSSL_PKEY_PARAM_EC_PUB_X);
    if (!x) return std::unexpected(x.error());
    auto y = bnParam(pkey_, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!y) return std::unexpected(y.error());
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = base64UrlEncode(*x);
    jwk["y"] = base64UrlEncode(*y);
  }
  jwk["alg"] = joseAlgorithmName(alg_);
  jwk["use"] = "sig";
  if (!kid.empty()) jwk["kid"] = kid;
  return jwk;
}

Result<std::string> AsymmetricKey::thumbprint() const {
  auto jwk = publicJwk();
  if (!jwk) return std::unexpected(jwk.error());
  // RFC 7638 §3.2: the required members only, lexicographic order, no whitespace. The
  // member values are base64url and fixed names, so no escaping is ever needed.
  auto str = [&](std::string_view k) { return std::string(jwk->at(k).as_string()); };
  std::string canonical = "{\"crv\":\"" + str("crv") + "\",\"kty\":\"" + str("kty") + "\",\"x\":\"" + str("x") + "\"";
  if (alg_ == KeyAlgorithm::kEcdsaP256Sha256) canonical += ",\"y\":\"" + str("y") + "\"";
  canonical += "}";
  const auto digest = crypto::sha256(canonical);
  return base64UrlEncode(digest);
}

Result<std::string> AsymmetricKey::privatePkcs8Pem() const {
  if (!pkey_ || !has_private_) return internalError("no private key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return opensslFailure("write a private key");
  }
  std::string pem = drainBio(bio.get());
  return pem;
}

Result<Bytes> AsymmetricKey::privatePkcs8Der() const {
  if (!pkey_ || !has_private_) return internalError("no private key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), pkey_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return opensslFailure("write a private key");
  }
  const std::string der = drainBio(bio.get());
  return Bytes(der.begin(), der.end());
}

Result<Bytes> AsymmetricKey::sign(std::string_view message) const {
  if (!pkey_ || !has_private_) return internalError("signing needs a private key");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digestName(alg_), nullptr, nullptr, pkey_, nullptr) != 1) {
    return opensslFailure("start a signature");
  }
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) return opensslFailure("sign");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, msg, message.size()) != 1) return opensslFailure("sign");
  sig.resize(len);
  if (alg_ == KeyAlgorithm::kEcdsaP256Sha256) return derToRaw(sig);
  return sig;
}

bool AsymmetricKey::verify(std::string_view message, std::span<const std::uint8_t> signature) const {
  if (!pkey_ || signature.size() != kSignatureSize) return false;
  Bytes der;
  std::span<const std::uint8_t> sig = signature;
  if (alg_ == KeyAlgorithm::kEcdsaP256Sha256) {
    auto converted = rawToDer(signature);
    if (!converted) return false;
    der = std::move(*converted);
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digestName(alg_), nullptr, nullptr, pkey_, nullptr) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace keyward::sign
