#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "policy/detectors/content_detector.h"

namespace warden::policy {
namespace {

ContentDetectorPtr detector(const std::vector<std::string>& categories = {}) {
  std::string error;
  auto d = makePiiDetector(categories, &error);
  EXPECT_NE(d, nullptr) << error;
  return d;
}

TEST(PiiDetectorTest, ListsCategoriesInPriorityOrder) {
  EXPECT_EQ(piiCategories(), (std::vector<std::string>{"email", "payment_card", "us_ssn", "iban"}));
}

TEST(PiiDetectorTest, RejectsUnknownCategory) {
  std::string error;
  EXPECT_EQ(makePiiDetector({"email", "phone"}, &error), nullptr);
  EXPECT_EQ(error, "unknown PII category \"phone\" (expected one of: email, payment_card, us_ssn, iban)");
}

TEST(PiiDetectorTest, FindsEmailAddresses) {
  const auto d = detector();
  for (const char* text : {"alice@example.com", "Contact: bob.smith+tag@mail.example.co.uk.",
                           "<carol_99@sub-domain.example.org>", "mailto:dave%ops@example.io?subject=hi",
                           "send to ERIN@EXAMPLE.MUSEUM now", "git@github.com"}) {
    EXPECT_EQ(d->find(text), "email") << text;
  }
}

TEST(PiiDetectorTest, NonAddressesWithAtSignsAreNotEmails) {
  const auto d = detector();
  for (const char* text : {"a@b", "user@localhost", "a@b.c", "npm i @types/node lodash@4.17.21",
                           "icon@2x.png and logo@3x.webp", "git clone git@github.com:org/repo.git",
                           "@here the deploy is done", ".@example.com", "x@-bad-.com", "foo@bar.", "me@192.168.0.1"}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(PiiDetectorTest, FindsPaymentCardsOfEachNetwork) {
  const auto d = detector();
  for (const char* text : {"4111 1111 1111 1111", "4111-1111-1111-1111", "card=4111111111111111;",
                           "4222222222222",                          // Visa, 13 digits
                           "5500 0000 0000 0004",                    // Mastercard 51-55
                           "2223 0000 4841 0010",                    // Mastercard 2-series
                           "3782 822463 10005",                      // American Express, 4-6-5
                           "6011 1111 1111 1117",                    // Discover
                           "3530111333300000",                       // JCB
                           "30569309025904",                         // Diners Club, 14 digits
                           "6200000000000005",                       // UnionPay
                           "Card: 4012888888881881 exp 12/27 cvc 123",
                           "order 12 4111 1111 1111 1111 2027"}) {   // card between other numbers
    EXPECT_EQ(d->find(text), "payment_card") << text;
  }
}

TEST(PiiDetectorTest, NumbersThatAreNotCardsAreNotFindings) {
  const auto d = detector();
  for (const char* text : {"4111 1111 1111 1112",         // Luhn invalid
                           "12345678901234567890123",      // long digit run
                           "41111111111111110000",          // a card prefix inside a longer run
                           "9123456789012348",              // Luhn valid, no such issuer
                           "0000000000000000",              // Luhn valid, no such issuer
                           "41111111111112111",             // Visa prefix, impossible length
                           "5500000000000004000",           // Mastercard prefix, impossible length
                           "1700000000000",                 // a millisecond timestamp
                           "ab4111111111111111cd",          // digits inside a hex string
                           "pi is 3.4111111111111111",      // a fraction
                           "4111111111111111.25",           // an amount
                           "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",  // single digits are not card groups
                           "+1 415 555 2671",
                           "2024-01-15 10:30:00"}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(PiiDetectorTest, FindsUsSocialSecurityNumbers) {
  const auto d = detector();
  for (const char* text : {"123-45-6789", "SSN: 078-05-1120.", "ssn=899-99-9999", "(001-01-0001)"}) {
    EXPECT_EQ(d->find(text), "us_ssn") << text;
  }
}

TEST(PiiDetectorTest, InvalidOrEmbeddedSsnsAreNotFindings) {
  const auto d = detector();
  for (const char* text : {"000-12-3456", "666-12-3456", "900-12-3456", "987-65-4321", "123-00-4567", "123-45-0000",
                           "123456789", "123 45 6789", "2023-45-6789", "123-45-67890", "555-123-45-6789",
                           "ID-123-45-6789", "A123-45-6789", "555-123-4567"}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(PiiDetectorTest, FindsIbans) {
  const auto d = detector();
  for (const char* text : {"DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32",
                           "FR14 2004 1010 0505 0001 3M02 606", "NO9386011117947", "CH9300762011623852957",
                           "IBAN: DE89370400440532013000, BIC COBADEFFXXX",
                           "pay DE89 3704 0044 0532 0130 00 EUR 12"}) {
    EXPECT_EQ(d->find(text), "iban") << text;
  }
}

TEST(PiiDetectorTest, InvalidIbansAreNotFindings) {
  const auto d = detector();
  for (const char* text : {"DE89 3704 0044 0532 0130 01",   // checksum
                           "ZZ22370400440532013000",        // valid checksum, no such country
                           "DE543704004405320130001",       // valid checksum, too long for Germany
                           "DE5137040044053201300",         // valid checksum, too short for Germany
                           "GB82WEST12345698765432XYZ",     // part of a longer code
                           "XGB82WEST12345698765432",       // part of a longer code
                           "de89370400440532013000",        // lower case is not the IBAN format
                           "ORDER AB12CDEF34567890 shipped"}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(PiiDetectorTest, OrdinaryTextIsClean) {
  const auto d = detector();
  EXPECT_EQ(d->find("The meeting moved to 15:30 on 2024-03-01; see ticket #12345 and build 1.2.3-rc4."), "");
  EXPECT_EQ(d->find("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "");
  EXPECT_EQ(d->find("uuid 123e4567-e89b-12d3-a456-426614174000"), "");
  EXPECT_EQ(d->find(""), "");
}

TEST(PiiDetectorTest, NarrowedCategoriesOnlyFindThoseCategories) {
  const auto cards = detector({"payment_card"});
  EXPECT_EQ(cards->find("alice@example.com 123-45-6789 DE89370400440532013000"), "");
  EXPECT_EQ(cards->find("4111 1111 1111 1111"), "payment_card");

  const auto ibanAndSsn = detector({"iban", "us_ssn"});
  EXPECT_EQ(ibanAndSsn->find("alice@example.com"), "");
  EXPECT_EQ(ibanAndSsn->find("123-45-6789"), "us_ssn");
  EXPECT_EQ(ibanAndSsn->find("DE89370400440532013000"), "iban");
}

TEST(PiiDetectorTest, FirstCategoryInOrderWins) {
  const auto d = detector();
  EXPECT_EQ(d->find("DE89370400440532013000 123-45-6789 4111111111111111 alice@example.com"), "email");
  EXPECT_EQ(d->find("DE89370400440532013000 123-45-6789 4111111111111111"), "payment_card");
}

TEST(PiiDetectorTest, FindsACardAfterManyRejectedCandidates) {
  const auto d = detector();
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "4111 1111 1111 1112, 1234567890123456789012, x@y, ";
  EXPECT_EQ(d->find(text), "");
  EXPECT_EQ(d->find(text + "5500-0000-0000-0004"), "payment_card");
}

}  // namespace
}  // namespace warden::policy
