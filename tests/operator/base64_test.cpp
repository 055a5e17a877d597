#include "operator/kube/base64.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("Zg=="), "f");
  EXPECT_EQ(decodeBase64("Zm8="), "fo");
  EXPECT_EQ(decodeBase64("Zm9v"), "foo");
  EXPECT_EQ(decodeBase64("Zm9vYg=="), "foob");
  EXPECT_EQ(decodeBase64("Zm9vYmE="), "fooba");
  EXPECT_EQ(decodeBase64("Zm9vYmFy"), "foobar");
}

TEST(Base64Test, BinaryAndFullAlphabet) {
  EXPECT_EQ(decodeBase64("AP8A"), std::string("\x00\xff\x00", 3));
  EXPECT_EQ(decodeBase64("+/+/"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64Test, LineBreaksAreIgnored) {
  EXPECT_EQ(decodeBase64("Zm9v\nYmFy\r\n"), "foobar");
  EXPECT_EQ(decodeBase64("Zm\r\n9vYg==\n"), "foob");
}

TEST(Base64Test, Errors) {
  EXPECT_FALSE(decodeBase64("Zm9"));        // not a multiple of four
  EXPECT_FALSE(decodeBase64("Zg"));         // padding missing
  EXPECT_FALSE(decodeBase64("Zm9v YmFy"));  // spaces are not line breaks
  EXPECT_FALSE(decodeBase64("Zm9v\tYmFy"));
  EXPECT_FALSE(decodeBase64("Zm-v"));  // URL alphabet
  EXPECT_FALSE(decodeBase64("Zm_v"));
  EXPECT_FALSE(decodeBase64("Zg==Zm9v"));  // padding before the end
  EXPECT_FALSE(decodeBase64("Z==="));      // too much padding
  EXPECT_FALSE(decodeBase64("===="));
  EXPECT_FALSE(decodeBase64("Zm=v"));  // data after padding
  EXPECT_FALSE(decodeBase64(std::string("Zm9\0", 4)));
  EXPECT_FALSE(decodeBase64("Zm9\xc3\xa9"));
}

}  // namespace
}  // namespace warden::op
