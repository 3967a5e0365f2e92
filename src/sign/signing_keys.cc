#include "sign/signing_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "crypto/random.h"

namespace keyward::sign {
namespace {

constexpr std::uint8_t kSealVersion = 1;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

void appendLengthPrefixed(std::string& out, std::string_view s) {
  const auto n = std::uint32_t(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += char((n >> shift) & 0xff);
  out += s;
}

// Length prefixes keep ("ab", "c") and ("a", "bc") apart.
std::string additionalData(std::string_view tenant_id, std::string_view kid) {
  std::string aad = "keyward-signing-key";
  aad += char(kSealVersion);
  appendLengthPrefixed(aad, tenant_id);
  appendLengthPrefixed(aad, kid);
  return aad;
}

auto unsealFailed() {
  return fail(ErrorKind::kInternal, "UNSEAL_FAILED",
              "a sealed signing key could not be opened (damaged, or another master key)");
}

}  // namespace

Result<MasterKey> MasterKey::fromBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kSize) return invalidField("master_key", "the master key must be exactly 32 bytes");
  MasterKey k;
  std::copy(bytes.begin(), bytes.end(), k.key_.begin());
  return k;
}

Result<MasterKey> MasterKey::fromFileContents(std::string_view contents) {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!contents.empty() && isSpace(contents.front())) contents.remove_prefix(1);
  while (!contents.empty() && isSpace(contents.back())) contents.remove_suffix(1);
  auto bytes = base64Decode(contents);
  if (!bytes) return invalidField("master_key", "the master key file must hold base64 of 32 bytes");
  auto key = fromBytes(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return key;
}

Result<MasterKey> MasterKey::generate() {
  MasterKey k;
  if (auto st = crypto::randomBytes(k.key_); !st) return std::unexpected(st.error());
  return k;
}

MasterKey::MasterKey(MasterKey&& other) noexcept : key_(other.key_) {
  OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

MasterKey& MasterKey::operator=(MasterKey&& other) noexcept {
  key_ = other.key_;
  if (this != &other) OPENSSL_cleanse(other.key_.data(), other.key_.size());
  return *this;
}

MasterKey::~MasterKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<Bytes> sealPrivateKey(const MasterKey& master, std::string_view tenant_id, std::string_view kid,
                             std::span<const std::uint8_t> pkcs8_der) {
  Bytes out(1 + kNonceSize + pkcs8_der.size() + kTagSize);
  out[0] = kSealVersion;
  std::span<std::uint8_t> nonce(out.data() + 1, kNonceSize);
  if (auto st = crypto::randomBytes(nonce); !st) return std::unexpected(st.error());
  const std::string aad = additionalData(tenant_id, kid);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::uint8_t* ct = out.data() + 1 + kNonceSize;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), master.bytes().data(), nonce.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        int(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, pkcs8_der.data(), int(pkcs8_der.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagSize), ct + pkcs8_der.size()) != 1) {
    return internalError("OpenSSL failed to seal a key");
  }
  return out;
}

Result<Bytes> unsealPrivateKey(const MasterKey& master, std::string_view tenant_id, std::string_view kid,
                               std::span<const std::uint8_t> sealed) {
  if (sealed.size() < 1 + kNonceSize + kTagSize || sealed[0] != kSealVersion) return unsealFailed();
  const std::uint8_t* nonce = sealed.data() + 1;
  const std::size_t ct_len = sealed.size() - 1 - kNonceSize - kTagSize;
  const std::uint8_t* ct = nonce + kNonceSize;
  Bytes tag(ct + ct_len, ct + ct_len + kTagSize);  // the ctrl call wants a mutable buffer
  const std::string aad = additionalData(tenant_id, kid);
  Bytes plain(ct_len + 16);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, total = 0;
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), master.bytes().data(), nonce, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        int(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ct, int(ct_len)) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return unsealFailed();
  }
  total = len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagSize), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + total, &len) != 1) {
    // The tag check failed: nothing of the plaintext may be used.
    OPENSSL_cleanse(plain.data(), plain.size());
    return unsealFailed();
  }
  plain.resize(std::size_t(total + len));
  return plain;
}

Result<SigningKeyRecord> newSigningKey(const MasterKey& master, std::string_view tenant_id, UnixSeconds now,
                                       KeyAlgorithm algorithm) {
  auto key = AsymmetricKey::generate(algorithm);
  if (!key) return std::unexpected(key.error());
  SigningKeyRecord rec;
  rec.algorithm = algorithm;
  rec.created_at = now;
  auto kid = key->thumbprint();
  auto pem = key->publicPem();
  auto der = key->privatePkcs8Der();
  if (!kid || !pem || !der) return internalError("could not export a new signing key");
  rec.kid = std::move(*kid);
  rec.public_pem = std::move(*pem);
  auto sealed = sealPrivateKey(master, tenant_id, rec.kid, *der);
  OPENSSL_cleanse(der->data(), der->size());
  if (!sealed) return std::unexpected(sealed.error());
  rec.sealed_private = std::move(*sealed);
  return rec;
}

bool isRetired(const SigningKeyRecord& key, UnixSeconds now) { return key.retired_at && *key.retired_at <= now; }

std::optional<std::size_t> currentSigner(std::span<const SigningKeyRecord> keys, UnixSeconds now) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (isRetired(k, now) || k.created_at > now) continue;
    if (!best || k.created_at > keys[*best].created_at ||
        (k.created_at == keys[*best].created_at && k.kid > keys[*best].kid)) {
      best = i;
    }
  }
  return best;
}

std::vector<std::size_t> publishedKeys(std::span<const SigningKeyRecord> keys, UnixSeconds now,
                                       UnixSeconds max_token_lifetime) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    // A token signed just before retirement is valid until retired_at + lifetime.
    if (!k.retired_at || now < *k.retired_at + max_token_lifetime) out.push_back(i);
  }
  return out;
}

Result<AsymmetricKey> openSigner(const SigningKeyRecord& key, const MasterKey& master, std::string_view tenant_id) {
  auto der = unsealPrivateKey(master, tenant_id, key.kid, key.sealed_private);
  if (!der) return std::unexpected(der.error());
  auto signer = AsymmetricKey::fromPrivateDer(*der);
  OPENSSL_cleanse(der->data(), der->size());
  if (!signer) return std::unexpected(signer.error());
  if (signer->algorithm() != key.algorithm) return internalError("a signing key's algorithm does not match its record");
  return signer;
}

}  // namespace keyward::sign
