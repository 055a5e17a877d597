#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace warden::sidecar {

// Cardinality protection. Label values can come from callers (tool names), so a family holds at most
// `maxChildren` label sets; once it is full, every new label set is counted in one overflow child whose labels
// are all `_other_`. A single value that is not valid UTF-8 or longer than kMaxLabelValueBytes is replaced by
// `_other_` as well (it could not be exposed faithfully, or would bloat every scrape). Calling with() with the
// wrong number of values is a programming error; it also lands in the overflow child rather than throwing on
// the request path.
inline constexpr std::string_view kOverflowLabelValue = "_other_";
inline constexpr std::size_t kDefaultMaxChildren = 1000;
inline constexpr std::size_t kMaxLabelValueBytes = 256;

struct FamilyOptions {
  std::size_t maxChildren = kDefaultMaxChildren;  // label sets besides the overflow child
};

enum class MetricType { Counter, Gauge, Histogram };
const char* toString(MetricType type);

// The type-independent face of a family, for the registry. Thread-safe.
class MetricFamily {
 public:
  MetricFamily(MetricType type, std::string name, std::string help, std::vector<std::string> labelNames,
               FamilyOptions options);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  const FamilyOptions& options() const { return options_; }

  // Label sets that exist, the overflow child included.
  virtual std::size_t size() const = 0;
  // `# HELP`, `# TYPE` and the samples of every child sorted by label values; nothing while there is no child.
  virtual void render(std::string& out) const = 0;

 protected:
  // The lookup key of a label set (values sanitized, joined by 0xFF, which valid UTF-8 never contains).
  static std::string_view sanitizeLabelValue(std::string_view value);
  static void appendKeyPart(std::string& key, std::string_view sanitizedValue, bool first);
  std::string overflowKey() const;
  // `a="x",b="y"` for the sanitized values.
  std::string renderLabels(const std::vector<std::string>& values) const;
  void renderHeader(std::string& out) const;

 private:
  MetricType type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> labelNames_;
  FamilyOptions options_;
};

// A metric with label names and one child per label set. Thread-safe: with() takes a shared lock on one of
// kStripes stripes (an exclusive one only to create a child); the child it returns lives as long as the family
// and is updated without locks, so hot paths with fixed labels resolve once and keep the reference.
template <typename Metric>
class Family final : public MetricFamily {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;

  Family(MetricType type, std::string name, std::string help, std::vector<std::string> labelNames,
         FamilyOptions options, Factory make)
      : MetricFamily(type, std::move(name), std::move(help), std::move(labelNames), options),
        make_(std::move(make)),
        overflowKey_(overflowKey()) {}

  // Values in the order of the label names. Never throws but std::bad_alloc.
  Metric& with(std::initializer_list<std::string_view> values) { return resolve(values); }
  Metric& with(std::span<const std::string_view> values) { return resolve(values); }
  Metric& with(std::span<const std::string> values) { return resolve(values); }

  std::size_t size() const override {
    std::size_t n = 0;
    for (const auto& stripe : stripes_) {
      std::shared_lock lock(stripe.mu);
      n += stripe.children.size();
    }
    return n;
  }

  void render(std::string& out) const override {
    std::vector<const Child*> children;
    for (const auto& stripe : stripes_) {
      std::shared_lock lock(stripe.mu);
      for (const auto& [key, child] : stripe.children) children.push_back(&child);
    }
    if (children.empty()) return;
    // Children are never removed and unordered_map nodes never move, so the pointers stay valid unlocked.
    std::sort(children.begin(), children.end(), [](const Child* a, const Child* b) { return a->values < b->values; });
    renderHeader(out);
    for (const Child* child : children) child->metric->appendSamples(out, name(), child->labels);
  }

 private:
  static constexpr std::size_t kStripes = 16;

  struct Child {
    std::vector<std::string> values;  // sanitized, for sorting
    std::string labels;               // rendered once
    std::unique_ptr<Metric> metric;
  };
  struct alignas(64) Stripe {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, Child> children;
  };

  template <typename Range>
  Metric& resolve(const Range& values) {
    if (std::size(values) != labelNames().size()) return overflowChild();
    std::string key;
    bool first = true;
    for (const auto& v : values) {
      appendKeyPart(key, sanitizeLabelValue(v), first);
      first = false;
    }
    if (Metric* m = find(key)) return *m;
    if (key != overflowKey_ && regular_.load(std::memory_order_relaxed) >= options().maxChildren) {
      return overflowChild();
    }
    std::vector<std::string> sanitized;
    sanitized.reserve(std::size(values));
    for (const auto& v : values) sanitized.emplace_back(sanitizeLabelValue(v));
    if (Metric* m = create(key, std::move(sanitized))) return *m;
    return overflowChild();
  }

  Metric* find(const std::string& key) const {
    const Stripe& stripe = stripeOf(key);
    std::shared_lock lock(stripe.mu);
    const auto it = stripe.children.find(key);
    return it == stripe.children.end() ? nullptr : it->second.metric.get();
  }

  // Null when the family is full (and `key` is not the overflow child's).
  Metric* create(const std::string& key, std::vector<std::string> values) {
    Stripe& stripe = stripeOf(key);
    std::unique_lock lock(stripe.mu);
    if (const auto it = stripe.children.find(key); it != stripe.children.end()) return it->second.metric.get();
    if (key != overflowKey_) {
      if (regular_.fetch_add(1, std::memory_order_relaxed) >= options().maxChildren) {
        regular_.fetch_sub(1, std::memory_order_relaxed);
        return nullptr;
      }
    }
    std::string labels = renderLabels(values);
    auto& child = stripe.children[key];
    child.values = std::move(values);
    child.labels = std::move(labels);
    child.metric = make_();
    return child.metric.get();
  }

  Metric& overflowChild() {
    if (Metric* m = find(overflowKey_)) return *m;
    return *create(overflowKey_, std::vector<std::string>(labelNames().size(), std::string(kOverflowLabelValue)));
  }

  Stripe& stripeOf(const std::string& key) { return stripes_[std::hash<std::string>{}(key) % kStripes]; }
  const Stripe& stripeOf(const std::string& key) const {
    return stripes_[std::hash<std::string>{}(key) % kStripes];
  }

  Factory make_;
  const std::string overflowKey_;
  std::array<Stripe, kStripes> stripes_;
  std::atomic<std::size_t> regular_{0};  // children counted against maxChildren
};

}  // namespace warden::sidecar
