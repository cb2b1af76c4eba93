// Signed releases: the documents publish writes, what fetch --verify-key accepts and
// refuses, and where keys come from (files, CI variables) without their secrets leaking.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/signing_keys.h"
#include "digest/digest.h"
#include "digest/minisign.h"
#include "manifest_fixtures.h"
#include "release/signing.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::release;

namespace {

BuildInfo build() { return test::info(); }
using test::entry;

std::vector<ManifestEntry> files() { return {entry("b.linux.amd64", "ELF"), entry("a.txt", "text\n")}; }

minisign::SecretKey key() { return *minisign::generate_key(); }

FetchedRelease fetched(const std::vector<ReleaseDocument>& docs) {
  std::map<std::string, std::string> by;
  for (const auto& d : docs) by[d.name] = d.bytes;
  return {by["manifest.json"], by["manifest.json.minisig"], by["SHA256SUMS"], by["SHA256SUMS.minisig"]};
}

std::string fails(const minisign::PublicKey& pub, const FetchedRelease& r, const char* why) {
  auto v = verify_release(pub, r);
  EXPECT_FALSE(v) << why;
  if (v) return "";
  EXPECT_EQ(v.error().category, ErrorCategory::Integrity) << why;
  return v.error().message;
}

}  // namespace

TEST(ReleaseSigning, DocumentsInUploadOrderAndDeterministic) {
  auto unsigned_docs = release_documents(files(), build(), nullptr);
  ASSERT_TRUE(unsigned_docs);
  ASSERT_EQ(unsigned_docs->size(), 2u);
  EXPECT_EQ((*unsigned_docs)[0].name, "SHA256SUMS");
  EXPECT_EQ((*unsigned_docs)[1].name, "manifest.json");
  auto k = key();
  auto docs = release_documents(files(), build(), &k);
  ASSERT_TRUE(docs);
  std::vector<std::string> names;
  for (const auto& d : *docs) names.push_back(d.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"SHA256SUMS", "SHA256SUMS.minisig", "manifest.json.minisig", "manifest.json"}));
  EXPECT_EQ((*docs)[0].bytes, (*unsigned_docs)[0].bytes);
  EXPECT_EQ((*docs)[3].bytes, (*unsigned_docs)[1].bytes) << "signing does not change the manifest";
  // A second publish of the same release signs to the same bytes (and so skips them).
  auto again = release_documents(files(), build(), &k);
  for (std::size_t i = 0; i < docs->size(); ++i) EXPECT_EQ((*again)[i].bytes, (*docs)[i].bytes) << names[i];
  auto trusted = minisign::verify(k.public_key(), (*docs)[0].bytes, (*docs)[1].bytes);
  ASSERT_TRUE(trusted);
  EXPECT_EQ(*trusted,
            "file:SHA256SUMS\trepo:acme/widget\tcommit:0123456789abcdef0123456789abcdef01234567\tversion:1.2.3");
  auto doc = verify_release(k.public_key(), fetched(*docs));
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->files.size(), 2u);
}

TEST(ReleaseSigning, TrustedCommentStaysOnePrintableLine) {
  BuildInfo b = build();
  b.repo = "evil\nrepo\x1b[2J";
  b.version = "1\t2";
  b.commit.clear();
  EXPECT_EQ(trusted_comment("SHA256SUMS", b), "file:SHA256SUMS\trepo:evil?repo?[2J\tversion:1?2");
  auto k = key();
  EXPECT_TRUE(release_documents(files(), b, &k));
}

TEST(ReleaseSigning, ReservedNames) {
  for (const char* n :
       {"SHA256SUMS", "manifest.json", "SHA256SUMS.minisig", "manifest.json.minisig", "provenance.intoto.json"})
    EXPECT_TRUE(is_release_document_name(n)) << n;
  for (const char* n :
       {"SHA256SUMS.txt", "x/manifest.json", "manifest.json.sig", ".minisig", "a.minisig", "x/provenance.intoto.json"})
    EXPECT_FALSE(is_release_document_name(n)) << n;
}

TEST(ReleaseSigning, EveryTamperingIsAnIntegrityError) {
  auto k = key();
  const auto pub = k.public_key();
  const FetchedRelease good = fetched(*release_documents(files(), build(), &k));
  auto flip = [](std::string s, std::size_t at) {
    s[at] ^= 1;
    return s;
  };
  FetchedRelease r = good;
  r.sums = flip(r.sums, 3);
  EXPECT_NE(fails(pub, r, "SHA256SUMS byte").find("SHA256SUMS.minisig: the signature does not match"),
            std::string::npos);
  r = good;
  r.manifest = flip(r.manifest, r.manifest.find("main/a.txt"));
  EXPECT_NE(fails(pub, r, "manifest byte").find("manifest.json.minisig"), std::string::npos);
  r = good;
  auto line2 = r.sums_signature.find('\n') + 5;
  r.sums_signature[line2] = r.sums_signature[line2] == 'A' ? 'B' : 'A';
  fails(pub, r, "signature byte");
  r = good;
  r.manifest_signature.clear();
  fails(pub, r, "empty signature");
  auto other = key();
  EXPECT_NE(fails(other.public_key(), good, "another key").find("made by key"), std::string::npos);
  // Each signature valid, but of the other file.
  r = good;
  std::swap(r.sums_signature, r.manifest_signature);
  fails(pub, r, "swapped signatures");
}

TEST(ReleaseSigning, SignedPiecesOfTwoReleasesDoNotMix) {
  auto k = key();
  const auto pub = k.public_key();
  auto old_files = files();
  old_files[0] = entry("b.linux.amd64", "old ELF");
  FetchedRelease old_release = fetched(*release_documents(old_files, build(), &k));
  FetchedRelease mixed = fetched(*release_documents(files(), build(), &k));
  mixed.manifest = old_release.manifest;
  mixed.manifest_signature = old_release.manifest_signature;
  EXPECT_NE(fails(pub, mixed, "old manifest, new sums").find("belongs to another SHA256SUMS"), std::string::npos);
  // A manifest that names the right SHA256SUMS but lists other sums (signed by the key:
  // only a bug in the signer could make one) is still refused.
  auto j = nlohmann::ordered_json::parse(old_release.manifest);
  j["sha256sums"] = digest::sha256_hex(mixed.sums);
  mixed.manifest = j.dump(2) + "\n";
  mixed.manifest_signature = *minisign::sign(k, mixed.manifest, trusted_comment("manifest.json", build()));
  EXPECT_NE(fails(pub, mixed, "inconsistent").find("does not list exactly"), std::string::npos);
  // A signature whose trusted comment names another file.
  FetchedRelease r = fetched(*release_documents(files(), build(), &k));
  r.manifest_signature = *minisign::sign(k, r.manifest, "file:SHA256SUMS");
  EXPECT_NE(fails(pub, r, "named for another file").find("signature of another file"), std::string::npos);
}

TEST(SigningKeys, FromFileOrCiVariableWithoutLeaking) {
  auto k = key();
  const std::string password = "s3cret-pw-7781";
  const minisign::KdfLimits quick{32768, 1 << 20};
  const std::string encrypted = *minisign::secret_key_file(k, password, quick);
  const std::string plain = *minisign::secret_key_file(k, std::nullopt);
  std::map<std::string, std::string> vars;
  EnvLookup env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto none = cli::load_signing_key("", env);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  vars["XSHIP_SIGNING_KEY"] = encrypted;
  auto no_pw = cli::load_signing_key("", env);
  ASSERT_FALSE(no_pw);
  EXPECT_EQ(no_pw.error().category, ErrorCategory::Credentials);
  vars["XSHIP_SIGNING_PASSWORD"] = "wrong-" + password;
  auto wrong = cli::load_signing_key("", env);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().category, ErrorCategory::Credentials);
  for (const auto* e : {&no_pw.error(), &wrong.error()}) {
    EXPECT_EQ(e->message.find(password), std::string::npos);
    EXPECT_EQ(e->message.find(encrypted.substr(encrypted.find('\n') + 1, 20)), std::string::npos);
    EXPECT_EQ(e->message.find('\n'), std::string::npos);
  }
  vars["XSHIP_SIGNING_PASSWORD"] = password;
  auto from_env = cli::load_signing_key("", env);
  ASSERT_TRUE(from_env) << from_env.error().message;
  EXPECT_EQ((*from_env)->seed, k.seed);
  // A CI secret holding the base64 line alone.
  vars["XSHIP_SIGNING_KEY"] = plain.substr(plain.find('\n') + 1);
  auto line_only = cli::load_signing_key("", env);
  ASSERT_TRUE(line_only) << line_only.error().message;
  EXPECT_EQ((*line_only)->seed, k.seed);

  ScratchDir dir("keys");
  std::string path = dir.write("release.key", plain);
  vars["XSHIP_SIGNING_KEY"] = "ignored: the flag wins";
  auto from_file = cli::load_signing_key(path, env);
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ((*from_file)->id, k.id);
  auto damaged = cli::load_signing_key(
      dir.write("bad.key", "untrusted comment: x\nAAAA" + plain.substr(plain.find('\n') + 5)), env);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().category, ErrorCategory::Usage);
  EXPECT_NE(damaged.error().message.find("--sign-key"), std::string::npos);
  EXPECT_FALSE(cli::load_signing_key(dir / "missing.key", env));
  EXPECT_FALSE(cli::load_signing_key(dir.str(), env)) << "a directory is not a key file";
}

TEST(SigningKeys, VerifyKeyFromFileOrString) {
  auto k = key();
  ScratchDir dir("pub");
  std::string file = dir.write("release.pub", minisign::public_key_file(k.public_key()));
  auto a = cli::load_verify_key(file);
  ASSERT_TRUE(a) << a.error().message;
  auto b = cli::load_verify_key(minisign::public_key_base64(k.public_key()));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->id, k.id);
  for (const std::string bad : {std::string("RWQnotakey"), dir.write("junk.pub", "hello\n"), std::string("")}) {
    auto r = cli::load_verify_key(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  }
}
