// printable(): what a store or a file name says reaches the terminal as one inert line.
#include <gtest/gtest.h>

#include <string>

#include "core/terminal.h"

using namespace xship;

TEST(Printable, PlainTextAndUtf8PassUnchanged) {
  EXPECT_EQ(printable("dist/hello.linux.arm64 - 1.5 MiB"), "dist/hello.linux.arm64 - 1.5 MiB");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(printable(R"(back\slash "quotes")"), R"(back\slash "quotes")");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, ControlCharactersAreEscaped) {
  EXPECT_EQ(printable("a\nb"), "a\\nb");
  EXPECT_EQ(printable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(printable("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07");
  EXPECT_EQ(printable("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  // A forged line of xship's own stays on the same line.
  std::string forged = printable("oops\nxship: error: all is well");
  EXPECT_EQ(forged.find('\n'), std::string::npos);
}

TEST(Printable, C1BidiAndInvalidBytesAreEscaped) {
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\u009b31m");  // CSI as a UTF-8 C1 control
  EXPECT_EQ(printable("\x9b"
                      "31m"),
            "\\x9b31m");  // ... and as a raw byte
  EXPECT_EQ(printable("abc\xe2\x80\xae"
                      "fdp.exe"),
            "abc\\u202efdp.exe");  // right-to-left override
  EXPECT_EQ(printable("\xe2\x81\xa6x"), "\\u2066x");  // left-to-right isolate
  EXPECT_EQ(printable("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");  // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable("cut\xe2\x82"), "cut\\xe2\\x82");  // truncated sequence
}

TEST(Printable, CutAfterMaxBytes) {
  EXPECT_EQ(printable("abcdef", 3), "abc...");
  EXPECT_EQ(printable("abc", 3), "abc");
  EXPECT_EQ(printable("a\nbcdef", 2), "a\\n...");
}

TEST(Printable, OutputNeverHoldsAControlByte) {
  for (int c = 0; c < 256; ++c) {
    std::string in = "x" + std::string(1, static_cast<char>(c)) + "y";
    std::string out = printable(in);
    for (unsigned char o : out) EXPECT_FALSE(o < 0x20 || o == 0x7f) << "byte " << c << " gave " << out;
  }
}

TEST(ValidUtf8, StrictRfc3629) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xc0\x80"));  // overlong NUL
  EXPECT_FALSE(valid_utf8("\xed\xbf\xbf"));  // surrogate
  EXPECT_FALSE(valid_utf8("\xe2\x82"));  // truncated
}
