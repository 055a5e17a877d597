#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace warden::policy {

// One validation problem, located by the path of the field it concerns, e.g.
// `spec.rules[2].when[0].op: unknown operator "Matchs"`.
struct FieldError {
  std::string path;
  std::string message;

  std::string toString() const;
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// Builds field paths in the Kubernetes style: spec.rules[2].when[0].op, metadata.labels[app].
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string root) : path_(std::move(root)) {}

  FieldPath field(std::string_view name) const;
  FieldPath index(std::size_t i) const;
  FieldPath key(std::string_view mapKey) const;

  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// Joins errors one per line, in the order they were found.
std::string formatErrors(const FieldErrors& errors);

}  // namespace warden::policy
