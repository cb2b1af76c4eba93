// Known-answer tests for the hashing room, from ../shared/vectors/content-md5-etag.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "digest/digest.h"

using namespace xship::digest;

namespace {
nlohmann::json load_vectors() {
  std::ifstream in(std::string(XSHIP_TEST_DATA_DIR) + "/content-md5-etag/vectors.json");
  return nlohmann::json::parse(in);
}

std::string recipe_bytes(const std::string& recipe, std::size_t length) {
  std::string data(length, '\0');
  if (recipe.find("i % 251") != std::string::npos)
    for (std::size_t i = 0; i < length; ++i) data[i] = static_cast<char>(i % 251);
  return data;
}
}  // namespace

TEST(Digest, ContentMd5IsBase64OfRawDigest) {
  auto v = load_vectors();
  const auto& cm = v["content_md5"];
  EXPECT_EQ(content_md5(md5("")), cm["empty"]["content_md5"].get<std::string>());
  EXPECT_EQ(hex(md5("")), cm["empty"]["md5_hex"].get<std::string>());
  EXPECT_EQ(content_md5(md5("hello world\n")), cm["hello_world_newline"]["content_md5"].get<std::string>());
  EXPECT_NE(content_md5(md5("hello world\n")),
            cm["hello_world_newline"]["wrong_base64_of_hex_for_contrast"].get<std::string>());
  std::string zeros(1 << 20, '\0');
  EXPECT_EQ(content_md5(md5(zeros)), cm["zero_1MiB"]["content_md5"].get<std::string>());
  Md5 rfc{};
  std::string text = cm["rfc1864_example"]["digest_bytes_ascii"];
  std::copy(text.begin(), text.end(), rfc.begin());
  EXPECT_EQ(content_md5(rfc), cm["rfc1864_example"]["content_md5"].get<std::string>());
}

TEST(Digest, MultipartEtagVectors) {
  auto v = load_vectors();
  for (auto& [name, mp] : v["multipart_etag"].items()) {
    SCOPED_TRACE(name);
    if (!mp.contains("content_recipe")) continue;
    std::size_t len = mp["file_length"], part = mp["part_size"];
    std::string data = recipe_bytes(mp["content_recipe"], len);
    std::vector<Md5> parts;
    Md5Stream whole;
    for (std::size_t off = 0, i = 0; off < len; off += part, ++i) {
      std::string_view chunk(data.data() + off, std::min(part, len - off));
      parts.push_back(md5(chunk));
      whole.update(chunk.data(), chunk.size());
      EXPECT_EQ(hex(parts.back()), mp["parts"][i]["md5_hex"].get<std::string>());
      EXPECT_EQ(content_md5(parts.back()), mp["parts"][i]["content_md5"].get<std::string>());
    }
    EXPECT_EQ(hex(whole.finish()), mp["whole_file_md5_hex"].get<std::string>());
    EXPECT_EQ(multipart_etag(parts.data(), parts.size()), mp["multipart_etag"].get<std::string>());
  }
}

TEST(Digest, Sha256AndHmacKnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Sha256Stream s;
  s.update("ab", 2);
  s.update("c", 1);
  EXPECT_EQ(hex(s.finish()), sha256_hex("abc"));
}

TEST(Digest, ParseMd5HexRejectsGarbage) {
  Md5 m{};
  EXPECT_TRUE(parse_md5_hex("d41d8cd98f00b204e9800998ecf8427e", m));
  EXPECT_EQ(m, md5(""));
  EXPECT_FALSE(parse_md5_hex("d41d8cd98f00b204e9800998ecf8427", m));
  EXPECT_FALSE(parse_md5_hex("d41d8cd98f00b204e9800998ecf8427g", m));
}
