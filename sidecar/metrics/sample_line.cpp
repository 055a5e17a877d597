#include "sidecar/metrics/sample_line.h"

namespace warden::sidecar {

void appendSampleName(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

}  // namespace warden::sidecar
