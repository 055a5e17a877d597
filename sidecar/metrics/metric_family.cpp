#include "sidecar/metrics/metric_family.h"

#include "policy/utf8.h"
#include "sidecar/metrics/exposition.h"

namespace warden::sidecar {

const char* toString(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

MetricFamily::MetricFamily(MetricType type, std::string name, std::string help, std::vector<std::string> labelNames,
                           FamilyOptions options)
    : type_(type), name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)),
      options_(options) {}

std::string_view MetricFamily::sanitizeLabelValue(std::string_view value) {
  if (value.size() > kMaxLabelValueBytes || !policy::isValidUtf8(value)) return kOverflowLabelValue;
  return value;
}

void MetricFamily::appendKeyPart(std::string& key, std::string_view sanitizedValue, bool first) {
  if (!first) key += '\xff';
  key += sanitizedValue;
}

std::string MetricFamily::overflowKey() const {
  std::string key;
  for (std::size_t i = 0; i < labelNames_.size(); ++i) appendKeyPart(key, kOverflowLabelValue, i == 0);
  return key;
}

std::string MetricFamily::renderLabels(const std::vector<std::string>& values) const {
  std::string out;
  for (std::size_t i = 0; i < labelNames_.size() && i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += labelNames_[i];
    out += '=';
    appendEscapedLabelValue(out, values[i]);
  }
  return out;
}

void MetricFamily::renderHeader(std::string& out) const {
  if (!help_.empty()) {
    out += "# HELP ";
    out += name_;
    out += ' ';
    appendEscapedHelp(out, help_);
    out += '\n';
  }
  out += "# TYPE ";
  out += name_;
  out += ' ';
  out += toString(type_);
  out += '\n';
}

}  // namespace warden::sidecar
