// The receipt durability flags: --receipts-sync and --receipts-sync-interval, parsed as warden-sidecar parses them.
#include "sidecar/config/sidecar_config.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;

// A configuration that validates, before the flags under test are applied.
SidecarConfig validBase() {
  SidecarConfig config;
  config.upstreamPort = 8080;
  return config;
}

// Parses `args` onto a valid configuration; the CLI error (naming the option) if parsing refused them.
struct Parsed {
  SidecarConfig config = validBase();
  std::string cliError;
};

Parsed parse(std::vector<std::string> args) {
  Parsed parsed;
  CLI::App app;
  addSidecarOptions(app, parsed.config);
  args.insert(args.begin(), "warden-sidecar");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    parsed.cliError = e.what();
  }
  return parsed;
}

TEST(SidecarConfigTest, ReceiptsSyncDefaultsToDecisionEvery100ms) {
  const auto parsed = parse({});
  ASSERT_EQ(parsed.cliError, "");
  EXPECT_EQ(parsed.config.receiptsSync, "decision");
  EXPECT_EQ(parsed.config.receiptsSyncInterval, 100ms);
  EXPECT_FALSE(parsed.config.validate());
}

TEST(SidecarConfigTest, ReceiptsSyncIntervalIsAcceptedWithAnInterval) {
  const auto parsed = parse({"--receipts-sync", "interval", "--receipts-sync-interval", "250ms"});
  ASSERT_EQ(parsed.cliError, "");
  EXPECT_EQ(parsed.config.receiptsSync, "interval");
  EXPECT_EQ(parsed.config.receiptsSyncInterval, 250ms);
  EXPECT_FALSE(parsed.config.validate());
  EXPECT_FALSE(parse({"--receipts-sync-interval", "10s"}).config.validate());
}

TEST(SidecarConfigTest, AnUnknownReceiptsSyncModeIsAnErrorNamingTheFlag) {
  const auto parsed = parse({"--receipts-sync", "sometimes"});
  EXPECT_NE(parsed.cliError.find("--receipts-sync"), std::string::npos) << parsed.cliError;
  SidecarConfig config = validBase();
  config.receiptsSync = "Interval";
  EXPECT_EQ(config.validate(), "--receipts-sync must be decision or interval");
}

TEST(SidecarConfigTest, AnUnreadableIntervalIsAnErrorNamingTheFlag) {
  for (const std::string text : {"soon", "0s", "-1s"}) {
    const auto parsed = parse({"--receipts-sync-interval", text});
    EXPECT_NE(parsed.cliError.find("--receipts-sync-interval"), std::string::npos) << text << ": " << parsed.cliError;
  }
}

TEST(SidecarConfigTest, AnIntervalOutOfRangeIsRefused) {
  // Below a millisecond it rounds to 0 (the option keeps milliseconds).
  for (const std::string text : {"500us", "11s", "1h"}) {
    const auto parsed = parse({"--receipts-sync", "interval", "--receipts-sync-interval", text});
    ASSERT_EQ(parsed.cliError, "") << text;
    EXPECT_EQ(parsed.config.validate(), "--receipts-sync-interval must be above 0 and at most 10s") << text;
  }
}

}  // namespace
}  // namespace warden::sidecar
