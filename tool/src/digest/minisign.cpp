#include "digest/minisign.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "digest/digest.h"

namespace xship::minisign {

namespace {

constexpr std::string_view kCommentPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr std::size_t kSecretKeyBytes = 158;
constexpr std::size_t kPublicKeyBytes = 42;
constexpr std::size_t kSignatureBytes = 74;
// Offsets in the secret key structure (see the header).
constexpr std::size_t kKdfAt = 2, kChkAlgAt = 4, kSaltAt = 6, kOpsAt = 38, kMemAt = 46, kKeynumAt = 54, kSeedAt = 62,
                      kPkAt = 94, kChkAt = 126;
constexpr std::size_t kEncryptedBytes = kSecretKeyBytes - kKeynumAt;  // keynum, secret key, checksum

// A secret's bytes, wiped when they go.
struct SecretBytes {
  std::string b;
  explicit SecretBytes(std::string s) : b(std::move(s)) {}
  SecretBytes(SecretBytes&& o) noexcept : b(std::move(o.b)) { o.b.clear(); }
  SecretBytes(const SecretBytes&) = delete;
  ~SecretBytes() { digest::wipe(b.data(), b.size()); }
  std::uint8_t* u8(std::size_t at = 0) { return reinterpret_cast<std::uint8_t*>(b.data()) + at; }
};

std::string bytes_of(const void* p, std::size_t n) { return std::string(static_cast<const char*>(p), n); }

std::uint64_t load_le64(const std::string& b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 8; i-- > 0;) v = v << 8 | static_cast<std::uint8_t>(b[at + i]);
  return v;
}
void store_le64(std::string& b, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}

// The lines of a key or signature file, without their line ends; at most `max` of them.
std::vector<std::string_view> lines_of(std::string_view text, std::size_t max) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < max) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out.push_back(line);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

bool one_printable_line(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

// libsodium's crypto_pwhash_scryptsalsa208sha256 turns (opslimit, memlimit) into scrypt's
// (N, r, p) this way (its pickparams()); minisign stores only the limits.
struct ScryptParams {
  std::uint64_t n = 0;
  std::uint32_t r = 8, p = 1;
};
ScryptParams scrypt_params(std::uint64_t opslimit, std::uint64_t memlimit) {
  ScryptParams s;
  opslimit = std::max<std::uint64_t>(opslimit, 32768);
  int log2n = 1;
  if (opslimit < memlimit / 32) {
    std::uint64_t max_n = opslimit / (s.r * 4);
    while (log2n < 63 && (std::uint64_t{1} << log2n) <= max_n / 2) ++log2n;
  } else {
    std::uint64_t max_n = memlimit / (s.r * 128);
    while (log2n < 63 && (std::uint64_t{1} << log2n) <= max_n / 2) ++log2n;
    std::uint64_t max_rp = std::min<std::uint64_t>((opslimit / 4) / (std::uint64_t{1} << log2n), 0x3fffffff);
    s.p = static_cast<std::uint32_t>(max_rp) / s.r;
  }
  s.n = std::uint64_t{1} << log2n;
  return s;
}

// The 104-byte stream the encrypted part of a secret key is XORed with. Bounded: a key
// file asking for more than minisign's own 1 GiB or more passes is refused, not obeyed.
Result<SecretBytes> key_stream(const std::string& password, const std::string& salt, const KdfLimits& limits) {
  ScryptParams s = scrypt_params(limits.opslimit, limits.memlimit);
  if (s.n > (std::uint64_t{1} << 20) || s.p < 1 || s.p > 16)
    return usage_error(
        "the signing key's scrypt parameters ask for more memory or time than minisign ever uses: "
        "the key is damaged; make it again with xship keygen or minisign -G");
  SecretBytes stream(std::string(kEncryptedBytes, '\0'));
  const std::uint64_t max_memory = 128 * s.r * (s.n + 2) + 128 * s.r * s.p + (1 << 20);
  if (!digest::scrypt(password, salt, s.n, s.r, s.p, max_memory, stream.u8(), stream.b.size()))
    return runtime_error(
        "scrypt could not derive the key from XSHIP_SIGNING_PASSWORD (out of memory?): free memory "
        "and try again");
  return stream;
}

std::string checksum(const std::string& raw) {
  return digest::blake2b(raw.substr(0, 2) + raw.substr(kKeynumAt, 8 + 64), 32);
}

Result<std::string> decode_line(std::string_view line, std::size_t size, const char* what) {
  auto raw = digest::base64_decode(line);
  if (!raw || raw->size() != size)
    return usage_error(
        fmt::format("that is not a minisign {}: expected a comment line and a base64 line as "
                    "minisign -G writes them",
                    what));
  return std::move(*raw);
}

}  // namespace

std::string key_id_text(const KeyId& id) {
  std::string out;
  for (std::size_t i = 8; i-- > 0;) out += fmt::format("{:02X}", id[i]);
  return out;
}

PublicKey SecretKey::public_key() const { return {id, digest::ed25519::public_key(seed)}; }

Result<SecretKey> generate_key() {
  SecretKey k;
  if (!digest::random_bytes(k.id.data(), k.id.size()) || !digest::random_bytes(k.seed.data(), k.seed.size()))
    return runtime_error("no random bytes for a new key: the system's random source failed");
  return k;
}

std::string public_key_base64(const PublicKey& key) {
  return digest::base64(
      reinterpret_cast<const std::uint8_t*>(("Ed" + bytes_of(key.id.data(), 8) + bytes_of(key.key.data(), 32)).data()),
      kPublicKeyBytes);
}

std::string public_key_file(const PublicKey& key) {
  return fmt::format("{}minisign public key {}\n{}\n", kCommentPrefix, key_id_text(key.id), public_key_base64(key));
}

Result<PublicKey> parse_public_key(std::string_view text) {
  auto lines = lines_of(text.substr(0, 4096), 3);
  std::string_view line = lines.size() >= 2 && lines[0].starts_with(kCommentPrefix) ? lines[1]
                          : lines.size() == 1                                       ? lines[0]
                                                                                    : std::string_view();
  auto raw = decode_line(line, kPublicKeyBytes, "public key");
  if (!raw) return raw.error();
  if (!raw->starts_with("Ed")) return usage_error("that public key is not an Ed25519 minisign key");
  PublicKey k;
  std::memcpy(k.id.data(), raw->data() + 2, 8);
  std::memcpy(k.key.data(), raw->data() + 10, 32);
  return k;
}

Result<std::string> secret_key_file(const SecretKey& key, const std::optional<std::string>& password,
                                    const KdfLimits& limits) {
  SecretBytes raw(std::string(kSecretKeyBytes, '\0'));
  auto pk = digest::ed25519::public_key(key.seed);
  std::memcpy(raw.b.data(), "Ed", 2);
  std::memcpy(raw.b.data() + kChkAlgAt, "B2", 2);
  std::memcpy(raw.b.data() + kKeynumAt, key.id.data(), 8);
  std::memcpy(raw.b.data() + kSeedAt, key.seed.data(), 32);
  std::memcpy(raw.b.data() + kPkAt, pk.data(), 32);
  if (password) {  // as minisign -G: the checksum, then everything from keynum on encrypted
    std::memcpy(raw.b.data() + kKdfAt, "Sc", 2);
    if (!digest::random_bytes(raw.u8(kSaltAt), 32)) return runtime_error("no random bytes for the key's salt");
    store_le64(raw.b, kOpsAt, limits.opslimit);
    store_le64(raw.b, kMemAt, limits.memlimit);
    std::string chk = checksum(raw.b);
    std::memcpy(raw.b.data() + kChkAt, chk.data(), 32);
    auto stream = key_stream(*password, raw.b.substr(kSaltAt, 32), limits);
    if (!stream) return stream.error();
    for (std::size_t i = 0; i < kEncryptedBytes; ++i) raw.b[kKeynumAt + i] ^= stream->b[i];
  }  // minisign -W leaves kdf, salt, limits and checksum zero
  return fmt::format("{}minisign encrypted secret key\n{}\n", kCommentPrefix, digest::base64(raw.u8(), raw.b.size()));
}

Result<SecretKey> parse_secret_key(std::string_view text, const std::optional<std::string>& password) {
  auto lines = lines_of(text.substr(0, 4096), 3);
  if (lines.size() < 2 || !lines[0].starts_with(kCommentPrefix))
    return usage_error("the signing key is not a minisign secret key file (two lines: a comment, then base64)");
  auto decoded = decode_line(lines[1], kSecretKeyBytes, "secret key");
  if (!decoded) return decoded.error();
  SecretBytes raw(std::move(*decoded));
  if (raw.b.compare(0, 2, "Ed") != 0 || raw.b.compare(kChkAlgAt, 2, "B2") != 0)
    return usage_error("the signing key is not an Ed25519 minisign key with a BLAKE2b checksum");
  const bool encrypted = raw.b.compare(kKdfAt, 2, "Sc") == 0;
  if (!encrypted && raw.b.compare(kKdfAt, 2, std::string(2, '\0')) != 0)
    return usage_error("the signing key uses a key derivation minisign does not know: it is damaged");
  if (encrypted) {
    if (!password) return credentials_error("the signing key is encrypted: set XSHIP_SIGNING_PASSWORD to its password");
    auto stream =
        key_stream(*password, raw.b.substr(kSaltAt, 32), {load_le64(raw.b, kOpsAt), load_le64(raw.b, kMemAt)});
    if (!stream) return stream.error();
    for (std::size_t i = 0; i < kEncryptedBytes; ++i) raw.b[kKeynumAt + i] ^= stream->b[i];
    std::string chk = checksum(raw.b);
    bool same = raw.b.compare(kChkAt, 32, chk) == 0;
    digest::wipe(chk.data(), chk.size());
    if (!same) return credentials_error("wrong password for the signing key: check XSHIP_SIGNING_PASSWORD");
  }
  SecretKey k;
  std::memcpy(k.id.data(), raw.b.data() + kKeynumAt, 8);
  std::memcpy(k.seed.data(), raw.b.data() + kSeedAt, 32);
  // The stored public half must be the seed's: catches a damaged unencrypted key (whose
  // checksum minisign -W leaves zero) before it signs anything.
  if (raw.b.compare(kPkAt, 32, bytes_of(digest::ed25519::public_key(k.seed).data(), 32)) != 0)
    return usage_error("the signing key's two halves do not belong together: it is damaged");
  return k;
}

Result<std::string> sign(const SecretKey& key, std::string_view message, std::string_view trusted_comment,
                         std::string_view untrusted_comment) {
  for (auto c : {trusted_comment, untrusted_comment})
    if (!one_printable_line(c) || c.size() > kMaxTrustedComment)
      return usage_error("a signature comment must be one printable line of at most 8 KB");
  auto prehash = digest::blake2b512(message);
  auto sig = digest::ed25519::sign(key.seed, bytes_of(prehash.data(), prehash.size()));
  std::string sig_struct = "ED" + bytes_of(key.id.data(), 8) + bytes_of(sig.data(), sig.size());
  auto global = digest::ed25519::sign(key.seed, bytes_of(sig.data(), sig.size()) + std::string(trusted_comment));
  return fmt::format("{}{}\n{}\n{}{}\n{}\n", kCommentPrefix, untrusted_comment,
                     digest::base64(reinterpret_cast<const std::uint8_t*>(sig_struct.data()), sig_struct.size()),
                     kTrustedPrefix, trusted_comment, digest::base64(global));
}

Result<std::string> verify(const PublicKey& key, std::string_view message, std::string_view signature_file) {
  auto lines = lines_of(signature_file.substr(0, 16384), 5);
  if (lines.size() < 4 || !lines[0].starts_with(kCommentPrefix) || !lines[2].starts_with(kTrustedPrefix))
    return integrity_error(
        "the signature file is not a minisign signature (four lines: comment, signature, trusted "
        "comment, its signature)");
  std::string_view trusted = lines[2].substr(kTrustedPrefix.size());
  auto sig_struct = digest::base64_decode(lines[1]);
  auto global = digest::base64_decode(lines[3]);
  if (!sig_struct || sig_struct->size() != kSignatureBytes || !global || global->size() != 64 ||
      !one_printable_line(trusted))
    return integrity_error("the signature file is damaged (a line is not the base64 minisign writes)");
  const bool prehashed = sig_struct->starts_with("ED");
  if (!prehashed && !sig_struct->starts_with("Ed"))
    return integrity_error("the signature uses an algorithm minisign does not know: it is damaged");
  KeyId id;
  std::memcpy(id.data(), sig_struct->data() + 2, 8);
  if (id != key.id)
    return integrity_error(
        fmt::format("the signature was made by key {}, not by the trusted key {}: the release was "
                    "signed by someone else, or the wrong public key was given",
                    key_id_text(id), key_id_text(key.id)));
  digest::ed25519::Signature sig, global_sig;
  std::memcpy(sig.data(), sig_struct->data() + 10, 64);
  std::memcpy(global_sig.data(), global->data(), 64);
  std::string signed_bytes = prehashed ? bytes_of(digest::blake2b512(message).data(), 64) : std::string(message);
  if (!digest::ed25519::verify(key.key, signed_bytes, sig))
    return integrity_error("the signature does not match the signed file: it was changed after signing");
  if (!digest::ed25519::verify(key.key, bytes_of(sig.data(), 64) + std::string(trusted), global_sig))
    return integrity_error("the signature's trusted comment was changed after signing");
  return std::string(trusted);
}

}  // namespace xship::minisign
