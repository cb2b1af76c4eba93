// Release signing: Ed25519 (RFC 8032 vectors), BLAKE2b (RFC 7693, and Python's hashlib for
// shorter outputs), scrypt (RFC 7914), and minisign's files, against ones the real minisign
// 0.11 made (tests/data/minisign).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "digest/digest.h"
#include "digest/minisign.h"
#include "digest/sign.h"

using namespace xship;
using namespace xship::digest;

namespace {

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}
std::string hex_of(const std::string& s) { return hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
template <std::size_t N>
std::array<std::uint8_t, N> arr(const std::string& h) {
  std::array<std::uint8_t, N> a{};
  std::string b = unhex(h);
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}
std::string fixture(const std::string& name) {
  std::ifstream in(std::string(XSHIP_TEST_DATA_DIR) + "/minisign/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string bytes_pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

// minisign's scrypt limits are slow on purpose; tests of the format use small ones.
const minisign::KdfLimits kQuick{32768, 1 << 20};

}  // namespace

TEST(Ed25519, Rfc8032Vectors) {
  struct V {
    const char *seed, *pk, *msg, *sig;
  } vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2"
       "4655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302ae"
       "eb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28"
       "dc027beceea1ec40a"},
  };
  for (const auto& v : vectors) {
    auto seed = arr<32>(v.seed);
    EXPECT_EQ(hex(ed25519::public_key(seed)), v.pk);
    auto sig = ed25519::sign(seed, unhex(v.msg));
    EXPECT_EQ(hex(sig), v.sig);
    EXPECT_TRUE(ed25519::verify(arr<32>(v.pk), unhex(v.msg), sig));
    sig[0] ^= 1;
    EXPECT_FALSE(ed25519::verify(arr<32>(v.pk), unhex(v.msg), sig));
    EXPECT_FALSE(ed25519::verify(arr<32>(v.pk), unhex(v.msg) + "x", arr<64>(v.sig)));
  }
}

TEST(Blake2b, Rfc7693AndShortOutputs) {
  const char* abc512 =
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925a"
      "b92386edd4009923";
  EXPECT_EQ(hex(blake2b512("abc")), abc512);  // OpenSSL
  EXPECT_EQ(hex_of(blake2b("abc", 64)), abc512);  // the hand-written one
  // 32-byte outputs from Python's hashlib.blake2b(data, digest_size=32): empty, one block,
  // exactly a block (128), one past it, several blocks.
  EXPECT_EQ(hex_of(blake2b("", 32)), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(hex_of(blake2b("abc", 32)), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  std::string block(128, '\0');
  for (int i = 0; i < 128; ++i) block[i] = static_cast<char>(i);
  EXPECT_EQ(hex_of(blake2b(block, 32)), "c3582f71ebb2be66fa5dd750f80baae97554f3b015663c8be377cfcb2488c1d1");
  EXPECT_EQ(hex_of(blake2b(bytes_pattern(129), 32)),
            "f7f3c46ba2564ff4c4c162da1f5b605f9f1c4aa6a20652a9f9a337c1a2f5b9c9");
  EXPECT_EQ(hex_of(blake2b(bytes_pattern(1000), 32)),
            "b372d0608f720c8c3dd41e9c8eecb10143b41abe520b616607e754bf79c08331");
  EXPECT_EQ(hex_of(blake2b("abc", 1)), "6b");
  for (std::size_t n : {0, 1, 127, 128, 129, 256, 257, 5000}) {
    std::string data = bytes_pattern(n);
    EXPECT_EQ(hex_of(blake2b(data, 64)), hex(blake2b512(data))) << n << " bytes";
  }
}

TEST(Scrypt, Rfc7914Vectors) {
  std::uint8_t out[64];
  ASSERT_TRUE(scrypt("", "", 16, 1, 1, 1 << 20, out, 64));
  EXPECT_EQ(hex(out, 64),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e"
            "0d3628cf35e20c38d18906");
  ASSERT_TRUE(scrypt("password", "NaCl", 1024, 8, 16, 32 << 20, out, 64));
  EXPECT_EQ(hex(out, 64),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a"
            "83ee6d8360cbdfa2cc0640");
  EXPECT_FALSE(scrypt("password", "NaCl", 1024, 8, 16, 1 << 20, out, 64)) << "more memory than allowed";
}

TEST(Base64, StrictDecode) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8h"), "hello!");
  EXPECT_EQ(base64_decode("aGVsbA=="), "hell");
  for (const char* bad : {"", "aGVsbG8", "aGVs bG8=", "aGVsbG8=\n", "a=Vs", "aGVsbG=8", "****"})
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(Minisign, ReadsKeysAndSignaturesMinisignMade) {
  auto pub = minisign::parse_public_key(fixture("plain.pub"));
  ASSERT_TRUE(pub) << pub.error().message;
  auto sk = minisign::parse_secret_key(fixture("plain.key"), std::nullopt);
  ASSERT_TRUE(sk) << sk.error().message;
  EXPECT_EQ(sk->public_key(), *pub);
  EXPECT_EQ(minisign::public_key_file(*pub), fixture("plain.pub")) << "byte-identical to minisign's own file";
  auto trusted = minisign::verify(*pub, fixture("SHA256SUMS"), fixture("SHA256SUMS.minisig"));
  ASSERT_TRUE(trusted) << trusted.error().message;
  EXPECT_EQ(*trusted, "timestamp:1700000000\tfile:SHA256SUMS\thashed");
  auto legacy = minisign::verify(*pub, fixture("SHA256SUMS"), fixture("SHA256SUMS.legacy.minisig"));
  EXPECT_TRUE(legacy) << legacy.error().message;
  // Ed25519 signatures are deterministic: signing what minisign signed, with its trusted
  // comment and untrusted comment, gives its file byte for byte.
  auto again = minisign::sign(*sk, fixture("SHA256SUMS"), *trusted, "signature from minisign secret key");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, fixture("SHA256SUMS.minisig"));
  // The bare base64 line, as `minisign -P` takes it.
  auto bare = minisign::parse_public_key(minisign::public_key_base64(*pub));
  ASSERT_TRUE(bare);
  EXPECT_EQ(*bare, *pub);
}

TEST(Minisign, OpensAKeyMinisignEncrypted) {
  auto pub = minisign::parse_public_key(fixture("encrypted.pub"));
  ASSERT_TRUE(pub);
  auto sk = minisign::parse_secret_key(fixture("encrypted.key"), std::string("correct horse battery"));
  ASSERT_TRUE(sk) << sk.error().message;
  EXPECT_EQ(sk->public_key(), *pub);
  EXPECT_TRUE(minisign::verify(*pub, fixture("SHA256SUMS"), fixture("SHA256SUMS.encrypted.minisig")));
  // minisign's limits cost a second and 1 GiB per try: the wrong password is tried on a key
  // of the same format made with small ones.
  auto quick = minisign::secret_key_file(*sk, std::string("correct horse battery"), kQuick);
  ASSERT_TRUE(quick);
  auto wrong = minisign::parse_secret_key(*quick, std::string("correct horse"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().category, ErrorCategory::Credentials);
  EXPECT_NE(wrong.error().message.find("wrong password"), std::string::npos);
  auto none = minisign::parse_secret_key(fixture("encrypted.key"), std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().category, ErrorCategory::Credentials);
  EXPECT_NE(none.error().message.find("XSHIP_SIGNING_PASSWORD"), std::string::npos);
}

TEST(Minisign, KeyFilesRoundTrip) {
  auto key = minisign::generate_key();
  ASSERT_TRUE(key);
  for (bool encrypted : {false, true}) {
    std::optional<std::string> pw = encrypted ? std::optional<std::string>("pw") : std::nullopt;
    auto file = minisign::secret_key_file(*key, pw, kQuick);
    ASSERT_TRUE(file);
    EXPECT_TRUE(file->starts_with("untrusted comment: minisign encrypted secret key\n"));
    auto back = minisign::parse_secret_key(*file, pw);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->seed, key->seed);
    EXPECT_EQ(back->id, key->id);
    // Encrypted, the seed's bytes are nowhere in the file; stored as minisign -W does, they are.
    std::string line = file->substr(file->find('\n') + 1);
    auto raw = base64_decode(line.substr(0, line.size() - 1));
    ASSERT_TRUE(raw);
    std::string seed(reinterpret_cast<const char*>(key->seed.data()), 32);
    EXPECT_EQ(raw->find(seed) == std::string::npos, encrypted);
  }
  auto pub_text = minisign::public_key_file(key->public_key());
  EXPECT_TRUE(pub_text.starts_with("untrusted comment: minisign public key " + minisign::key_id_text(key->id) + "\n"));
}

TEST(Minisign, RefusesDamagedKeysWithoutEchoingThem) {
  std::string key = fixture("plain.key");
  std::string line = key.substr(key.find('\n') + 1);
  for (std::string bad : {std::string("nonsense"), key.substr(0, key.size() - 10), fixture("plain.pub"),
                          std::string("untrusted comment: x\n") + line.substr(0, 4) + "!" + line.substr(5)}) {
    auto r = minisign::parse_secret_key(bad, std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_EQ(r.error().message.find(line.substr(8, 16)), std::string::npos) << r.error().message;
  }
  // A flipped byte in the secret half of an unencrypted key: its halves no longer match.
  auto raw = *base64_decode(line.substr(0, line.find('\n')));
  raw[70] ^= 1;
  auto flipped = minisign::parse_secret_key(
      "untrusted comment: x\n" + base64(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()) + "\n",
      std::nullopt);
  ASSERT_FALSE(flipped);
  EXPECT_NE(flipped.error().message.find("damaged"), std::string::npos);
  // scrypt limits beyond what minisign ever writes are refused before any work.
  auto k = minisign::generate_key();
  auto huge = minisign::secret_key_file(*k, std::string("pw"), {std::uint64_t{1} << 40, std::uint64_t{1} << 40});
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().category, ErrorCategory::Usage);
}

TEST(Minisign, VerifyRefusesEveryTamperedPart) {
  auto pub = *minisign::parse_public_key(fixture("plain.pub"));
  const std::string msg = fixture("SHA256SUMS"), sig = fixture("SHA256SUMS.minisig");
  auto fails = [&](const std::string& m, const std::string& s, const std::string& why) -> std::string {
    auto r = minisign::verify(pub, m, s);
    EXPECT_FALSE(r) << why;
    if (r) return "";
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity) << why;
    return r.error().message;
  };
  std::string m = msg;
  m[5] ^= 1;
  EXPECT_NE(fails(m, sig, "message byte").find("does not match the signed file"), std::string::npos);
  std::string tc = sig;
  tc.replace(tc.find("1700000000"), 10, "1700000001");
  EXPECT_NE(fails(msg, tc, "trusted comment").find("trusted comment was changed"), std::string::npos);
  std::string s = sig;
  auto line2 = s.find('\n') + 1;
  s[line2 + 20] = s[line2 + 20] == 'A' ? 'B' : 'A';
  fails(msg, s, "signature byte");
  auto other = *minisign::parse_public_key(fixture("encrypted.pub"));
  auto r = minisign::verify(other, msg, sig);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("made by key " + minisign::key_id_text(pub.id)), std::string::npos);
  fails(msg, "", "empty signature file");
  fails(msg, sig.substr(0, sig.find("trusted")), "cut signature file");
  // Another key's signature relabelled with the trusted key's id still fails.
  auto k2 = *minisign::generate_key();
  k2.id = pub.id;
  fails(msg, *minisign::sign(k2, msg, "x"), "another key under this key's id");
}

TEST(Minisign, SignRefusesMultiLineComments) {
  auto k = *minisign::generate_key();
  EXPECT_FALSE(minisign::sign(k, "m", "two\nlines"));
  EXPECT_FALSE(minisign::sign(k, "m", "ok", "bad\rcomment"));
  auto ok = minisign::sign(k, "m", "tab\tis fine");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*minisign::verify(k.public_key(), "m", *ok), "tab\tis fine");
}
