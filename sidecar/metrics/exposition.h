#pragma once

#include <string>
#include <string_view>

namespace warden::sidecar {

// Pieces of the Prometheus text exposition format 0.0.4, shared by every metric type.

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool isValidMetricName(std::string_view name);

// Label names: [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool isValidLabelName(std::string_view name);

// `# HELP` text: backslash and line feed escaped.
void appendEscapedHelp(std::string& out, std::string_view help);

// A label value between double quotes: backslash, double quote and line feed escaped.
void appendEscapedLabelValue(std::string& out, std::string_view value);

// A sample value: the shortest text that reads back exactly, or `+Inf`, `-Inf`, `NaN`.
void appendDouble(std::string& out, double value);

}  // namespace warden::sidecar
